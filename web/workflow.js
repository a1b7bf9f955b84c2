// workflow.js - the case workflow as the web application knows it: a mirror of the
// server's table (src/workflow/workflow.c, docs/workflow.md), used to show the process
// and offer the next steps. The server decides: it refuses an illegal step with 409 and a
// step of another role with 403. When a case carries "allowed" (the next states), the UI
// uses that instead of NEXT.
//
//   state                    phase     meaning
//   supervisor_conversation  handling  escalated to the leidinggevende: hold and record the talk
//   triage                   triage    the triage meeting decides, with the 10-point checklist
//   lijnafdoening            handling  option: handled by the line manager (recorded talk)
//   orienterend_onderzoek    handling  option: exploratory investigation (OO)
//   do_lijn                  handling  option: disciplinary investigation by the line
//   do_vik                   handling  option: disciplinary investigation by VIK
//   strafrechtelijk          handling  option: criminal investigation (OM)
//   niets_doen               handling  option: no action
//   afdoeningsoverleg        disposal  the findings are discussed
//   besluit                  decision  the bevoegd gezag decided (VIK advice followed or not)
//   registered               outcome   kind of misconduct and outcome registered uniformly
//   closed                   outcome   done; no step leaves it

export const PHASES = ['melding', 'triage', 'handling', 'disposal', 'decision', 'outcome'];

export const STATES = {
    supervisor_conversation: 'handling',
    triage: 'triage',
    lijnafdoening: 'handling',
    orienterend_onderzoek: 'handling',
    do_lijn: 'handling',
    do_vik: 'handling',
    strafrechtelijk: 'handling',
    niets_doen: 'handling',
    afdoeningsoverleg: 'disposal',
    besluit: 'decision',
    registered: 'outcome',
    closed: 'outcome',
};

// The options after triage.
export const OPTIONS = ['lijnafdoening', 'orienterend_onderzoek', 'do_lijn', 'do_vik', 'strafrechtelijk', 'niets_doen'];

// Every legal step: [from, to, roles, needs] (needs: checklist, decision, outcome).
export const TRANSITIONS = [
    ['supervisor_conversation', 'closed', ['supervisor'], null],
    ['supervisor_conversation', 'triage', ['supervisor', 'vik'], null],
    ...OPTIONS.map((o) => ['triage', o, ['vik'], 'checklist']),
    ['lijnafdoening', 'registered', ['supervisor', 'vik'], 'outcome'],
    ['orienterend_onderzoek', 'afdoeningsoverleg', ['vik'], null],
    ['orienterend_onderzoek', 'do_lijn', ['vik'], null],
    ['orienterend_onderzoek', 'do_vik', ['vik'], null],
    ['orienterend_onderzoek', 'strafrechtelijk', ['vik'], null],
    ['do_lijn', 'afdoeningsoverleg', ['vik'], null],
    ['do_vik', 'afdoeningsoverleg', ['vik'], null],
    ['strafrechtelijk', 'afdoeningsoverleg', ['vik'], null],
    ['niets_doen', 'registered', ['vik'], 'outcome'],
    ['afdoeningsoverleg', 'besluit', ['vik'], 'decision'],
    ['besluit', 'registered', ['vik'], 'outcome'],
    ['registered', 'closed', ['vik'], null],
];

// next(state, role): the states a user with `role` may move a case in `state` to.
export function next(state, role) {
    return TRANSITIONS.filter(([f, , roles]) => f === state && (!role || roles.includes(role))).map(([, to]) => to);
}

// needs(from, to): what the step must carry, or null.
export function needs(from, to) {
    const row = TRANSITIONS.find(([f, t]) => f === from && t === to);
    return row ? row[3] : null;
}

// The ten points of the triage checklist, as keys of the case's "checklist" object.
export const CHECKLIST = [
    'melding',
    'aanwijzingen',
    'advies_vik',
    'advies_juridisch',
    'oordeel_teamchef',
    'beoogd_onderzoek',
    'beoogd_doel',
    'contact_sectorhoofd',
    'contact_bevoegd_gezag',
    'ordemaatregelen',
];

// The uniform registration: kind of misconduct and outcome.
export const MISCONDUCT = [
    'geen_plichtsverzuim',
    'onrechtmatig_raadplegen',
    'informatie_verstrekken',
    'oefenen_eigen_omgeving',
    'werkplek_misbruik',
    'overig',
];
export const OUTCOMES = [
    'geen_maatregel',
    'gesprek',
    'schriftelijke_berisping',
    'disciplinaire_maatregel',
    'ontslag',
    'strafrechtelijke_vervolging',
];

export function phaseOf(state) {
    return STATES[state] || 'handling';
}
