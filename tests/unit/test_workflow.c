/*
 * test_workflow.c - the case state machine of workflow/: every legal step is accepted for
 * its roles and refused (forbidden) for the others; every step not in the table is
 * illegal for every role; and the table's invariants hold (no way out of closed, every
 * other state has a way out, every state is reachable from an escalation).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "workflow/workflow.h"

#include <string.h>

static const unsigned roles[] = {WF_ANALYST, WF_SUPERVISOR, WF_VIK,
                                 WF_PRIVACY, WF_COUNCIL,    WF_ADMIN};
#define N_ROLES (sizeof roles / sizeof roles[0])

static void test_every_legal_transition(void **state)
{
    (void)state;
    for (size_t i = 0; i < wf_transition_count; i++) {
        const struct wf_transition *t = &wf_transitions[i], *found;
        for (size_t r = 0; r < N_ROLES; r++) {
            enum wf_verdict v = wf_check(t->from, t->to, roles[r], &found);
            assert_ptr_equal(found, t);
            assert_int_equal(v, (t->roles & roles[r]) ? WF_OK : WF_FORBIDDEN);
        }
    }
}

static void test_illegal_transitions_refused(void **state)
{
    (void)state;
    int illegal = 0;
    for (int from = 0; from < WF_STATE_COUNT; from++) {
        for (int to = 0; to < WF_STATE_COUNT; to++) {
            bool listed = false;
            for (size_t i = 0; i < wf_transition_count; i++)
                listed |= wf_transitions[i].from == (enum wf_state)from &&
                          wf_transitions[i].to == (enum wf_state)to;
            if (listed)
                continue;
            illegal++;
            for (size_t r = 0; r < N_ROLES; r++) {
                const struct wf_transition *t = (const void *)1;
                assert_int_equal(wf_check(from, to, roles[r], &t), WF_ILLEGAL);
                assert_null(t);
            }
        }
    }
    assert_true(illegal > 100);
    /* Named examples: skipping the decision, reopening, staying put. */
    assert_int_equal(wf_check(WF_AFDOENINGSOVERLEG, WF_REGISTERED, WF_VIK, NULL), WF_ILLEGAL);
    assert_int_equal(wf_check(WF_CLOSED, WF_TRIAGE, WF_VIK, NULL), WF_ILLEGAL);
    assert_int_equal(wf_check(WF_TRIAGE, WF_TRIAGE, WF_VIK, NULL), WF_ILLEGAL);
    assert_int_equal(wf_check(WF_TRIAGE, WF_CLOSED, WF_VIK, NULL), WF_ILLEGAL);
}

static void test_role_sets_are_not_roles(void **state)
{
    (void)state;
    /* A caller passing a set of roles must not slip through. */
    assert_int_equal(wf_check(WF_TRIAGE, WF_DO_VIK, WF_VIK | WF_ANALYST, NULL), WF_FORBIDDEN);
    assert_int_equal(wf_check(WF_TRIAGE, WF_DO_VIK, 0, NULL), WF_FORBIDDEN);
}

static void test_table_invariants(void **state)
{
    (void)state;
    bool out[WF_STATE_COUNT] = {0}, reach[WF_STATE_COUNT] = {0};
    for (size_t i = 0; i < wf_transition_count; i++) {
        assert_int_not_equal(wf_transitions[i].from, WF_CLOSED);
        assert_int_not_equal(wf_transitions[i].roles, 0);
        out[wf_transitions[i].from] = true;
        for (size_t j = i + 1; j < wf_transition_count; j++)
            assert_false(wf_transitions[i].from == wf_transitions[j].from &&
                         wf_transitions[i].to == wf_transitions[j].to);
    }
    for (int s = 0; s < WF_STATE_COUNT; s++)
        assert_true(s == WF_CLOSED || out[s]);
    reach[wf_escalation_state("supervisor")] = reach[wf_escalation_state("triage")] = true;
    for (int pass = 0; pass < WF_STATE_COUNT; pass++)
        for (size_t i = 0; i < wf_transition_count; i++)
            if (reach[wf_transitions[i].from])
                reach[wf_transitions[i].to] = true;
    for (int s = 0; s < WF_STATE_COUNT; s++)
        assert_true(reach[s]);
    /* Leaving triage always needs the complete checklist. */
    for (size_t i = 0; i < wf_transition_count; i++)
        if (wf_transitions[i].from == WF_TRIAGE && wf_transitions[i].to != WF_TRIAGE)
            assert_true(wf_transitions[i].needs & WF_NEEDS_CHECKLIST);
}

static void test_names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < WF_STATE_COUNT; s++) {
        assert_int_equal(wf_state_parse(wf_state_name(s)), s);
        assert_true(strlen(wf_state_meaning(s)) > 0);
    }
    assert_int_equal(wf_state_parse("nonsense"), -1);
    assert_int_equal(wf_state_parse(NULL), -1);
    for (size_t r = 0; r < N_ROLES; r++)
        assert_int_equal(wf_role_parse(wf_role_name(roles[r])), roles[r]);
    assert_int_equal(wf_role_parse("root"), 0);
    assert_string_equal(wf_role_name(WF_VIK | WF_ADMIN), "");
    assert_int_equal(wf_escalation_state("supervisor"), WF_SUPERVISOR_CONVERSATION);
    assert_int_equal(wf_escalation_state("triage"), WF_TRIAGE);
    assert_int_equal(wf_escalation_state("closed"), -1);
    assert_true(wf_dismiss_reason_valid("false_positive"));
    assert_false(wf_dismiss_reason_valid("bored"));
    assert_int_equal(wf_checklist_index("ordemaatregelen"), WF_CHECKLIST_ITEMS - 1);
    assert_int_equal(wf_checklist_index("x"), -1);
    assert_true(wf_in_list(wf_outcomes, "ontslag"));
    assert_false(wf_in_list(wf_misconduct_kinds, "ontslag"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_legal_transition),
        cmocka_unit_test(test_illegal_transitions_refused),
        cmocka_unit_test(test_role_sets_are_not_roles),
        cmocka_unit_test(test_table_invariants),
        cmocka_unit_test(test_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
