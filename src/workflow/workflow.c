/*
 * workflow.c - the tables behind workflow.h: role names, case states with their meaning,
 * the transition table, the triage checklist and the lists of the uniform registration.
 *
 * Invariants (checked at compile time or by tests/unit/test_workflow.c):
 *   - every state has a name and a meaning, in enum order;
 *   - no transition leaves WF_CLOSED, and no transition is listed twice;
 *   - every state except WF_CLOSED has a way out, and every state is reachable from one
 *     of the two escalation states.
 */
#include "workflow/workflow.h"

#include <string.h>

static const char *const role_names[] = {"analyst", "supervisor", "vik",
                                         "privacy", "council",    "admin"};
_Static_assert(sizeof role_names / sizeof role_names[0] == 6, "one name per role bit");

static const struct {
    const char *name, *meaning;
} states[WF_STATE_COUNT] = {
    [WF_SUPERVISOR_CONVERSATION] = {"supervisor_conversation",
                                    "escalated to the supervisor, who holds and records the "
                                    "conversation with the employee"},
    [WF_TRIAGE] = {"triage", "the triage meeting decides what to do, using the 10-point checklist"},
    [WF_LIJNAFDOENING] = {"lijnafdoening", "handled by the line manager: a recorded conversation"},
    [WF_ORIENTEREND_ONDERZOEK] = {"orienterend_onderzoek", "exploratory investigation (OO)"},
    [WF_DO_LIJN] = {"do_lijn", "disciplinary investigation by the line"},
    [WF_DO_VIK] = {"do_vik", "disciplinary investigation by VIK"},
    [WF_STRAFRECHTELIJK] = {"strafrechtelijk", "criminal investigation under the public "
                                               "prosecutor (OM)"},
    [WF_NIETS_DOEN] = {"niets_doen", "triage decided to take no action"},
    [WF_AFDOENINGSOVERLEG] = {"afdoeningsoverleg", "disposition meeting: the findings are "
                                                   "discussed"},
    [WF_BESLUIT] = {"besluit", "the bevoegd gezag decided; VIK advice followed or the deviation "
                               "explained"},
    [WF_REGISTERED] = {"registered", "outcome registered uniformly (kind of misconduct, outcome)"},
    [WF_CLOSED] = {"closed", "done; no further steps"},
};

const struct wf_transition wf_transitions[] = {
    {WF_SUPERVISOR_CONVERSATION, WF_CLOSED, WF_SUPERVISOR, 0},
    {WF_SUPERVISOR_CONVERSATION, WF_TRIAGE, WF_SUPERVISOR | WF_VIK, 0},
    {WF_TRIAGE, WF_LIJNAFDOENING, WF_VIK, WF_NEEDS_CHECKLIST},
    {WF_TRIAGE, WF_ORIENTEREND_ONDERZOEK, WF_VIK, WF_NEEDS_CHECKLIST},
    {WF_TRIAGE, WF_DO_LIJN, WF_VIK, WF_NEEDS_CHECKLIST},
    {WF_TRIAGE, WF_DO_VIK, WF_VIK, WF_NEEDS_CHECKLIST},
    {WF_TRIAGE, WF_STRAFRECHTELIJK, WF_VIK, WF_NEEDS_CHECKLIST},
    {WF_TRIAGE, WF_NIETS_DOEN, WF_VIK, WF_NEEDS_CHECKLIST},
    {WF_LIJNAFDOENING, WF_REGISTERED, WF_SUPERVISOR | WF_VIK, WF_NEEDS_OUTCOME},
    {WF_ORIENTEREND_ONDERZOEK, WF_AFDOENINGSOVERLEG, WF_VIK, 0},
    {WF_ORIENTEREND_ONDERZOEK, WF_DO_LIJN, WF_VIK, 0},
    {WF_ORIENTEREND_ONDERZOEK, WF_DO_VIK, WF_VIK, 0},
    {WF_ORIENTEREND_ONDERZOEK, WF_STRAFRECHTELIJK, WF_VIK, 0},
    {WF_DO_LIJN, WF_AFDOENINGSOVERLEG, WF_VIK, 0},
    {WF_DO_VIK, WF_AFDOENINGSOVERLEG, WF_VIK, 0},
    {WF_STRAFRECHTELIJK, WF_AFDOENINGSOVERLEG, WF_VIK, 0},
    {WF_NIETS_DOEN, WF_REGISTERED, WF_VIK, WF_NEEDS_OUTCOME},
    {WF_AFDOENINGSOVERLEG, WF_BESLUIT, WF_VIK, WF_NEEDS_DECISION},
    {WF_BESLUIT, WF_REGISTERED, WF_VIK, WF_NEEDS_OUTCOME},
    {WF_REGISTERED, WF_CLOSED, WF_VIK, 0},
};
const size_t wf_transition_count = sizeof wf_transitions / sizeof wf_transitions[0];

const char *const wf_checklist_keys[WF_CHECKLIST_ITEMS] = {
    "melding",          "aanwijzingen",        "advies_vik",
    "advies_juridisch", "oordeel_teamchef",    "beoogd_onderzoek",
    "beoogd_doel",      "contact_sectorhoofd", "contact_bevoegd_gezag",
    "ordemaatregelen",
};

const char *const wf_checklist_labels[WF_CHECKLIST_ITEMS] = {
    "Melding",
    "Aanwijzingen van vermoeden van plichtsverzuim",
    "Advies afdeling VIK",
    "Advies Arbeidszaken - Juridische zaken",
    "Oordeel en wens bevoegde teamchef",
    "Beoogde onderzoek of afhandeling",
    "Beoogde doel",
    "Contact met het sector-/divisiehoofd",
    "Contact met bevoegd gezag",
    "Beoogde ordemaatregelen",
};

const char *const wf_misconduct_kinds[] = {
    "geen_plichtsverzuim",     /* no misconduct found */
    "onrechtmatig_raadplegen", /* looking up records without a work reason */
    "informatie_verstrekken",  /* passing police information to third parties */
    "oefenen_eigen_omgeving",  /* practising on one's own social environment */
    "werkplek_misbruik",       /* using a colleague's unlocked workstation */
    "overig",                  /* other */
    NULL,
};

const char *const wf_outcomes[] = {
    "geen_maatregel",              /* no measure */
    "gesprek",                     /* a (recorded) conversation */
    "schriftelijke_berisping",     /* written reprimand */
    "disciplinaire_maatregel",     /* other disciplinary measure */
    "ontslag",                     /* dismissal */
    "strafrechtelijke_vervolging", /* criminal prosecution */
    NULL,
};

unsigned wf_role_parse(const char *name)
{
    if (name == NULL)
        return 0;
    for (unsigned i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
        if (strcmp(name, role_names[i]) == 0)
            return 1u << i;
    return 0;
}

const char *wf_role_name(unsigned role)
{
    for (unsigned i = 0; i < sizeof role_names / sizeof role_names[0]; i++)
        if (role == 1u << i)
            return role_names[i];
    return "";
}

bool wf_alert_status_valid(const char *status)
{
    return status != NULL &&
           (strcmp(status, WF_ALERT_NEW) == 0 || strcmp(status, WF_ALERT_DISMISSED) == 0 ||
            strcmp(status, WF_ALERT_ESCALATED) == 0 || strcmp(status, WF_ALERT_WITHDRAWN) == 0);
}

bool wf_dismiss_reason_valid(const char *reason)
{
    static const char *const reasons[] = {"explained", "false_positive", "duplicate", NULL};
    return wf_in_list(reasons, reason);
}

const char *wf_state_name(enum wf_state s)
{
    return (unsigned)s < WF_STATE_COUNT ? states[s].name : "";
}

const char *wf_state_meaning(enum wf_state s)
{
    return (unsigned)s < WF_STATE_COUNT ? states[s].meaning : "";
}

int wf_state_parse(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < WF_STATE_COUNT; i++)
        if (strcmp(name, states[i].name) == 0)
            return i;
    return -1;
}

enum wf_verdict wf_check(enum wf_state from, enum wf_state to, unsigned role,
                         const struct wf_transition **t)
{
    if (t != NULL)
        *t = NULL;
    for (size_t i = 0; i < wf_transition_count; i++) {
        if (wf_transitions[i].from == from && wf_transitions[i].to == to) {
            if (t != NULL)
                *t = &wf_transitions[i];
            return (wf_transitions[i].roles & role) != 0 && (role & (role - 1)) == 0 ? WF_OK
                                                                                     : WF_FORBIDDEN;
        }
    }
    return WF_ILLEGAL;
}

int wf_escalation_state(const char *to)
{
    if (to != NULL && strcmp(to, "supervisor") == 0)
        return WF_SUPERVISOR_CONVERSATION;
    if (to != NULL && strcmp(to, "triage") == 0)
        return WF_TRIAGE;
    return -1;
}

bool wf_state_for_supervisor(enum wf_state s)
{
    return s == WF_SUPERVISOR_CONVERSATION || s == WF_LIJNAFDOENING;
}

int wf_checklist_index(const char *key)
{
    if (key == NULL)
        return -1;
    for (int i = 0; i < WF_CHECKLIST_ITEMS; i++)
        if (strcmp(key, wf_checklist_keys[i]) == 0)
            return i;
    return -1;
}

bool wf_in_list(const char *const *list, const char *s)
{
    if (s == NULL)
        return false;
    for (; *list != NULL; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}
