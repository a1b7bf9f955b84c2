// views/case.js - one case in the integrity (VIK) process: where it stands, the steps
// allowed from here, the 10-point triage checklist, the options after triage, the
// afdoeningsoverleg, the decision of the bevoegd gezag and the registered outcome, and
// the history of who moved it when and why.

import { api } from '../api.js';
import { h, select } from '../dom.js';
import { t } from '../i18n.js';
import { errorText } from '../app.js';
import { fmtTime, tr, table } from '../ui.js';
import { PHASES, CHECKLIST, MISCONDUCT, OUTCOMES, OPTIONS, next as nextStates, needs, phaseOf } from '../workflow.js';

export async function render(root, ctx) {
    const id = ctx.args[0];
    const c = await api('GET', '/api/cases/' + encodeURIComponent(id));
    if (ctx.stale()) return;
    const next = Array.isArray(c.next) ? c.next : Array.isArray(c.allowed) ? c.allowed : nextStates(c.state, ctx.session.role);
    const checklist = c.checklist && typeof c.checklist === 'object' ? c.checklist : {};
    const hist = Array.isArray(c.history) ? c.history : [];
    const chosen = hist.filter((r) => r.from === 'triage' && OPTIONS.includes(r.to)).map((r) => r.to).pop();
    const decision = c.decision && typeof c.decision === 'object' ? c.decision : null;
    const outcome = c.outcome && typeof c.outcome === 'object' ? c.outcome : null;

    root.append(h('p', { class: 'crumbs' }, h('a', { href: '#/cases' }, '← ' + t('nav.cases'))));
    root.append(h('h1', null, t('case.title', { id: c.id }), ' ',
        h('span', { class: 'badge state-' + String(c.state).replace(/[^a-z_]/gi, ''), 'data-testid': 'case-state', 'data-state': c.state }, tr('state', c.state))));

    // Where the case is in the process.
    const cur = PHASES.indexOf(phaseOf(c.state));
    root.append(h('ol', { class: 'stepper', 'aria-label': t('case.process') }, PHASES.map((p, i) =>
        h('li', { class: i < cur ? 'done' : i === cur ? 'current' : 'todo', 'aria-current': i === cur ? 'step' : null },
            h('span', { class: 'n' }, String(i + 1)), t('phase.' + p)))));
    root.append(h('p', { class: 'state-help' }, tr('statehelp', c.state)));

    root.append(h('section', { class: 'panel' }, h('dl', { class: 'facts' },
        h('dt', null, t('col.alert')), h('dd', null, c.alert_id ? h('a', { href: '#/alerts/' + encodeURIComponent(c.alert_id) }, c.ref || c.alert_ref || '#' + c.alert_id) : ''),
        h('dt', null, t('queue.pseudonym')), h('dd', { class: 'mono' }, c.pseudonym || ''),
        h('dt', null, t('queue.where')), h('dd', null, [c.unit, c.team].filter(Boolean).join(' · ')),
        chosen ? [h('dt', null, t('case.option')), h('dd', null, tr('state', chosen))] : null,
        decision ? [h('dt', null, t('case.decision')), h('dd', { 'data-testid': 'case-decision' },
            t('case.decided_by') + ': ', decision.decided_by || '', ' · ',
            t(decision.vik_advice_followed ? 'case.advice.followed' : 'case.advice.deviated'),
            decision.deviation ? [' — ', decision.deviation] : null)] : null,
        outcome ? [h('dt', null, t('case.outcome')), h('dd', { 'data-testid': 'case-outcome' },
            tr('misconduct', outcome.misconduct), ' · ', tr('outcome', outcome.outcome))] : null)));

    // The next step.
    if (next.length > 0) root.append(transitionForm(c, next, checklist, ctx));
    else root.append(h('section', { class: 'panel' }, h('p', { class: 'muted', 'data-testid': 'case-final' }, t('case.final'))));

    // The checklist as recorded (when it is not being edited above).
    const filled = CHECKLIST.filter((k) => checklist[k]);
    if (c.state !== 'triage' && filled.length > 0) {
        root.append(h('section', { class: 'panel' }, h('h2', null, t('case.checklist')),
            h('ol', { class: 'checklist-view' }, CHECKLIST.map((k) => h('li', null, h('strong', null, t('check.' + k)), h('p', null, checklist[k] || '—'))))));
    }

    root.append(h('section', { class: 'panel' }, h('h2', null, t('case.history')),
        hist.length ? table([
            { label: t('col.ts'), cell: (r) => fmtTime(r.ts) },
            { label: t('col.actor'), cell: (r) => r.actor || '' },
            { label: t('col.step'), cell: (r) => r.from || r.to ? [r.from ? tr('state', r.from) : '', ' → ', tr('state', r.to || '')] : tr('action', r.action || '') },
            { label: t('col.why'), cell: (r) => r.note || '' },
        ], hist, { 'data-testid': 'case-history' }) : h('p', { class: 'empty' }, t('alert.nohistory'))));
}

function transitionForm(c, next, checklist, ctx) {
    const msg = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'transition-error' });
    const choice = select('to', next.map((s) => [s, tr('state', s)]), next[0], { 'data-testid': 'transition-to', id: 'transition-to' });
    const inTriage = c.state === 'triage';
    const checklistBox = inTriage ? h('fieldset', { class: 'checklist', 'data-testid': 'checklist' },
        h('legend', null, t('case.checklist')),
        h('p', { class: 'muted small' }, t('case.checklist.help')),
        CHECKLIST.map((k, i) => h('label', { class: 'check-item' },
            h('span', null, (i + 1) + '. ' + t('check.' + k)),
            h('textarea', { name: 'check_' + k, rows: 2, maxlength: 4000, 'data-check': k }, checklist[k] || '')))) : null;
    const decidedBy = h('input', { name: 'decided_by', maxlength: 200, 'data-testid': 'decided-by', placeholder: t('case.decided_by.hint') });
    const followed = select('vik_advice_followed', [['1', t('case.advice.followed')], ['0', t('case.advice.deviated')]], '1', { 'data-testid': 'advice-followed' });
    const deviation = h('textarea', { name: 'deviation', rows: 2, maxlength: 4000, 'data-testid': 'deviation' });
    const deviationBox = h('label', null, t('case.deviation'), deviation);
    const decisionBox = h('fieldset', { class: 'checklist', hidden: true, 'data-testid': 'decision-fields' },
        h('legend', null, t('case.decision')),
        h('label', null, t('case.decided_by'), decidedBy),
        h('label', null, t('case.advice'), followed),
        deviationBox);
    const misconduct = select('misconduct', [['', t('case.choose')], ...MISCONDUCT.map((o) => [o, tr('misconduct', o)])], '', { 'data-testid': 'misconduct' });
    const outcome = select('outcome', [['', t('case.choose')], ...OUTCOMES.map((o) => [o, tr('outcome', o)])], '', { 'data-testid': 'transition-outcome' });
    const outcomeBox = h('fieldset', { class: 'checklist', hidden: true, 'data-testid': 'outcome-fields' },
        h('legend', null, t('case.registration')),
        h('label', null, t('case.misconduct'), misconduct),
        h('label', null, t('case.outcome'), outcome));
    const note = h('textarea', { name: 'note', rows: 3, maxlength: 4000, required: true, 'data-testid': 'transition-note' });
    const help = h('p', { class: 'muted small' });
    const update = () => {
        const need = needs(c.state, choice.value);
        decisionBox.hidden = need !== 'decision';
        outcomeBox.hidden = need !== 'outcome';
        deviationBox.hidden = followed.value === '1';
        help.textContent = tr('statehelp', choice.value);
    };
    choice.addEventListener('change', update);
    followed.addEventListener('change', update);
    const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'transition-button' }, t('case.do'));
    const form = h('form', { class: 'panel transition', 'data-testid': 'transition-form', onsubmit: async (ev) => {
        ev.preventDefault();
        msg.textContent = '';
        const to = choice.value;
        const need = needs(c.state, to);
        const body = { to, note: note.value.trim() };
        if (inTriage) {
            body.checklist = {};
            for (const ta of form.querySelectorAll('textarea[data-check]')) body.checklist[ta.dataset.check] = ta.value.trim();
            if (need === 'checklist') {
                const missing = CHECKLIST.filter((k) => !body.checklist[k]);
                if (missing.length) {
                    msg.textContent = t('case.checklist.missing', { items: missing.map((k) => CHECKLIST.indexOf(k) + 1).join(', ') });
                    return;
                }
            }
        }
        if (need === 'decision') {
            body.decided_by = decidedBy.value.trim();
            body.vik_advice_followed = followed.value === '1';
            if (!body.vik_advice_followed) body.deviation = deviation.value.trim();
            if (!body.decided_by || (!body.vik_advice_followed && !body.deviation)) {
                msg.textContent = t('case.decision.missing');
                return;
            }
        }
        if (need === 'outcome') {
            body.misconduct = misconduct.value;
            body.outcome = outcome.value;
            if (!body.misconduct || !body.outcome) {
                msg.textContent = t('case.outcome.missing');
                return;
            }
        }
        if (!body.note) {
            msg.textContent = t('case.note.missing');
            return;
        }
        button.disabled = true;
        try {
            await api('POST', '/api/cases/' + encodeURIComponent(c.id) + '/transition', body);
            ctx.rerender();
        } catch (e) {
            msg.textContent = errorText(e);
            button.disabled = false;
        }
    } },
    h('h2', null, t('case.next')),
    checklistBox,
    h('label', { for: 'transition-to' }, t('case.to')), choice, help,
    decisionBox, outcomeBox,
    h('label', null, t('case.note'), note),
    button, msg);
    update();
    return form;
}
