/*
 * rare.c - rare_access: a system or subject type that the employee's role hardly ever
 * uses, outside a case (a student in the investigations system, staff querying persons).
 *
 * The role profile is learned from the traffic itself (see explain.c), so what is rare
 * adapts to each force; until a role has enough traffic nothing is judged rare.
 *
 * Its weight (0.5) is at the alert threshold, so that it can never alert alone: an odd
 * system is also where someone covers a colleague's task. Next to a private-looking
 * lookup it is strong support: misuse goes through whichever system shows the record,
 * ordinary work through the systems of the role. (Measured, weight 0.3 -> 0.5: on the eight
 * altgen sets 241 -> 245 alerted, 193 -> 197 found; on three fresh altgen sets 113 -> 118
 * alerted, 79 -> 84 found; on this project's 19 sets no change. Not one more false alert.)
 */
#include "indicators/indicator.h"

struct rare_settings {
    struct ind_common common;
    double max_share;
    double min_role_events;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct rare_settings, 0.5, 2, 60, 30, 0.3, 0.1),
    {"max_share", PARAM_DOUBLE, offsetof(struct rare_settings, max_share), 0.002,
     "a (system, subject type) pair below this share of the role's traffic is rare"},
    {"min_role_events", PARAM_DOUBLE, offsetof(struct rare_settings, min_role_events), 2000,
     "record accesses a role needs before rarity is judged"},
};

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    (void)self;
    const struct rare_settings *cfg = settings;
    if (!a->is_record || access_case_explained(a))
        return;
    const struct ref *ref = engine_ref(eng);
    uint8_t role = ref->emp[ev->user].role;
    const struct explainer *x = engine_explainer(eng);
    if ((double)explain_role_events(x, role) < cfg->min_role_events)
        return;
    uint8_t type = ref->subj[ev->subject].type;
    /* The explainer has already counted this access in the role's profile; judge by what
     * the role did before it. */
    double total = (double)explain_role_events(x, role);
    double before = (explain_role_share(x, role, ev->system, type) * total - 1) / (total - 1);
    if (before < cfg->max_share)
        engine_signal(eng, ev, 1.0f, (uint32_t)ev->system << 8 | type, 0, 0);
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    const struct rare_settings *cfg = settings;
    sbuf_printf(en,
                "used systems or record types that are rare for the role (under %.1f%% of "
                "its lookups): ",
                100 * cfg->max_share);
    sbuf_printf(nl,
                "systemen of registratiesoorten gebruikt die zeldzaam zijn voor de rol "
                "(minder dan %.1f%% van de raadplegingen): ",
                100 * cfg->max_share);
    describe_counts(s, NULL, NULL, en, nl);
}

const struct indicator ind_rare_access = {
    .name = "rare_access",
    .title_en = "Unusual system for the role",
    .title_nl = "Ongebruikelijk systeem voor de rol",
    .help = "Lookups in a system, or of a record type, that the employee's role hardly "
            "ever uses, outside a case.",
    .notes = {"rare for the role"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct rare_settings),
    .on_event = on_event,
    .describe = describe,
};
