/*
 * workflow.h - the domain rules of the analyst's workbench: roles, the alert statuses,
 * the states of a case in the integrity (VIK) process and the transitions between them.
 *
 * The case workflow is a table, not code: wf_transitions[] lists every legal step with the
 * roles that may take it and what the step must carry (a complete triage checklist, a
 * decision of the bevoegd gezag, a uniformly registered outcome). Anything not in the
 * table is illegal (HTTP 409); a step in the table taken by another role is forbidden
 * (HTTP 403). docs/workflow.md is the long form with the value -> meaning tables.
 *
 * The module is pure: no I/O, no allocation, no dependencies, so it is unit-tested
 * exhaustively (tests/unit/test_workflow.c). All strings are static.
 */
#ifndef WACHTER_WORKFLOW_H
#define WACHTER_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>

/* Roles, as bits so that a set of roles is one unsigned. */
enum wf_role {
    WF_ANALYST = 1u << 0,
    WF_SUPERVISOR = 1u << 1,
    WF_VIK = 1u << 2,
    WF_PRIVACY = 1u << 3,
    WF_COUNCIL = 1u << 4,
    WF_ADMIN = 1u << 5,
};
#define WF_ALL_ROLES 0x3fu

/* The role bit named `name` ("analyst", ...), or 0 when there is no such role. */
unsigned wf_role_parse(const char *name);
/* The name of role bit `role`; "" when it is not exactly one role. */
const char *wf_role_name(unsigned role);

/* Alert statuses: "new" -> "dismissed" (with a reason) or "new" -> "escalated" (a case
 * is created). Both end states are final for the alert; the case carries on. */
#define WF_ALERT_NEW "new"
#define WF_ALERT_DISMISSED "dismissed"
/* Set by the live service, not by people: opened during a day, not confirmed at its close. */
#define WF_ALERT_WITHDRAWN "withdrawn"
#define WF_ALERT_ESCALATED "escalated"
bool wf_alert_status_valid(const char *status);
/* Reasons to dismiss: "explained", "false_positive", "duplicate". */
bool wf_dismiss_reason_valid(const char *reason);

/* The states of a case. The order is that of docs/workflow.md. */
enum wf_state {
    WF_SUPERVISOR_CONVERSATION, /* escalated to the supervisor: hold and record the talk */
    WF_TRIAGE,                  /* triage meeting; the 10-point checklist */
    WF_LIJNAFDOENING,           /* triage option: handled by the line (recorded talk) */
    WF_ORIENTEREND_ONDERZOEK,   /* triage option: exploratory investigation */
    WF_DO_LIJN,                 /* triage option: disciplinary investigation by the line */
    WF_DO_VIK,                  /* triage option: disciplinary investigation by VIK */
    WF_STRAFRECHTELIJK,         /* triage option: criminal investigation (OM) */
    WF_NIETS_DOEN,              /* triage option: no action */
    WF_AFDOENINGSOVERLEG,       /* disposition meeting on the findings */
    WF_BESLUIT,                 /* the bevoegd gezag decided */
    WF_REGISTERED,              /* outcome registered uniformly */
    WF_CLOSED,                  /* done; no step leaves it */
    WF_STATE_COUNT
};

/* The name of a state ("triage", ...) and one line saying what it means. */
const char *wf_state_name(enum wf_state s);
const char *wf_state_meaning(enum wf_state s);
/* The state named `name`, or -1. */
int wf_state_parse(const char *name);

/* What a step must carry, as bits. */
enum wf_needs {
    WF_NEEDS_CHECKLIST = 1u << 0, /* all 10 items of the triage checklist filled in */
    WF_NEEDS_DECISION = 1u << 1,  /* decided_by, vik_advice_followed, deviation if not */
    WF_NEEDS_OUTCOME = 1u << 2,   /* misconduct kind and outcome from the fixed lists */
};

struct wf_transition {
    enum wf_state from, to;
    unsigned roles; /* who may take the step */
    unsigned needs; /* enum wf_needs bits */
};

extern const struct wf_transition wf_transitions[];
extern const size_t wf_transition_count;

/* The verdict on a requested step. */
enum wf_verdict {
    WF_OK,        /* legal, and `role` may take it */
    WF_ILLEGAL,   /* not in the table (HTTP 409) */
    WF_FORBIDDEN, /* in the table, but not for this role (HTTP 403) */
};

/* Judge the step from -> to by a user with role bit `role`; *t (when not NULL) points to
 * the table row when the step is in the table, else NULL. */
enum wf_verdict wf_check(enum wf_state from, enum wf_state to, unsigned role,
                         const struct wf_transition **t);

/* The state a new case starts in when an analyst escalates to `to` ("supervisor" or
 * "triage"); -1 for anything else. */
int wf_escalation_state(const char *to);

/* Whether supervisors (of the employee's own unit and team) see a case in state `s`
 * because of that state; a case escalated to the supervisor stays visible to them. */
bool wf_state_for_supervisor(enum wf_state s);

/* The triage checklist of docs/workflow.md: keys in order, with their Dutch labels. */
#define WF_CHECKLIST_ITEMS 10
extern const char *const wf_checklist_keys[WF_CHECKLIST_ITEMS];
extern const char *const wf_checklist_labels[WF_CHECKLIST_ITEMS];
/* The index of checklist key `key`, or -1. */
int wf_checklist_index(const char *key);

/* The uniform registration: kinds of misconduct and outcomes (NULL-terminated lists). */
extern const char *const wf_misconduct_kinds[];
extern const char *const wf_outcomes[];
/* Whether `s` is in the NULL-terminated list `list`. */
bool wf_in_list(const char *const *list, const char *s);

#endif
