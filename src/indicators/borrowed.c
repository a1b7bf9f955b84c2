/*
 * borrowed.c - borrowed_session: an employee's family looked up under someone else's
 * login, at a workstation the employee had just used.
 *
 * The sources name "using the unlocked workstation of a colleague who walked away". The
 * log then shows the colleague's login, and relative_lookup sees nothing: the records are
 * no relatives of the colleague. They are of the one who sat down. So the evidence is the
 * reverse of relative_lookup's: a record of some employee's family (owners.c), looked up
 * without a case by another employee, at a terminal where that employee was logged in
 * shortly before (`presence_hours`). The signal goes to the employee whose family it is,
 * with the colleague's events as its evidence; the colleague gets nothing from it (their
 * lapse is leaving the screen open, not the lookup).
 *
 * Why the terminal: staff do land on unit-mates' families by chance (relative_lookup
 * measures that with its placebos), and a unit-mate was then usually at work somewhere
 * in the building. At the very workstation the family's employee used an hour before, it
 * is no longer chance. Without terminal ids in the log this indicator sees nothing: a
 * unit-mate who was at work somewhere in the building measured no better than chance
 * (on the eight altgen sets, counting such a look at half weight: 228 -> 252 alerted
 * employees for one more actor found).
 *
 * A record of the acting employee's own circle too (two siblings in the force looking up
 * their mother) is the actor's own lookup and left to relative_lookup.
 *
 * In a scale-out deployment (docs/scale-out.md) the employee and the colleague may be
 * owned by different instances; the signal then is not seen. Only one instance is built.
 *
 * Cost per event with a terminal: a store into the employee's last terminal (a hash lookup
 * and the terminal's recent users when the employee changed terminals); per unexplained record near
 * some employee's family, a walk over its few owners. Memory: the last PRESENT_SLOTS users of every
 * terminal, the last terminal of every employee, one entry per (employee, record) signalled.
 */
#include "indicators/indicator.h"

#include <stdlib.h>

struct borrowed_settings {
    struct ind_common common;
    double presence_hours;
    double shared_weight;
};

static const struct ind_param params[] = {
    /* half_mass 1.8: one record of the family (0.8) stays under the alert threshold, two
     * in one sitting pass it. */
    IND_COMMON_PARAMS(struct borrowed_settings, 0.9, 1.8, 120, 60, 1.0, 0.3),
    {"presence_hours", PARAM_DOUBLE, offsetof(struct borrowed_settings, presence_hours), 4,
     "the employee counts as having been at the workstation when they used it in this many "
     "hours before the lookup"},
    {"shared_weight", PARAM_DOUBLE, offsetof(struct borrowed_settings, shared_weight), 0.5,
     "as relative_lookup's: a look at a household that other employees looked up in the 3 "
     "days up to it weighs 1 / (1 + this x those employees)"},
};

/* The most recent distinct users of one terminal. */
enum { PRESENT_SLOTS = 4 };
struct terminal_users {
    uint32_t who[PRESENT_SLOTS];
    int64_t last_ms[PRESENT_SLOTS];
};

/* The terminal of an employee's last event with one (hash 0 before any), and when they
 * last used it. Most events come from the same terminal as the employee's previous one,
 * so only this is written per event; the terminal's own entry gets the time when the
 * employee moves on. */
struct employee_terminal {
    uint64_t hash;
    uint32_t index; /* into borrowed_state.terminals */
    int64_t last_ms;
};

struct borrowed_state {
    struct ind_owners owners;
    struct u64map terminal_index; /* terminal_hash -> index into terminals */
    struct terminal_users *terminals;
    size_t n_terminals, cap_terminals;
    struct u64map last_day;       /* ref_pair(owner, record) -> last local day + 1 signalled */
    struct employee_terminal *at; /* per employee */
    size_t n_at;
};

static void *create(const void *settings, const struct ref *ref)
{
    (void)settings;
    struct borrowed_state *bs = xcalloc(1, sizeof *bs);
    ind_owners_build(&bs->owners, ref);
    return bs;
}

static void destroy(void *self)
{
    struct borrowed_state *bs = self;
    ind_owners_free(&bs->owners);
    u64map_free(&bs->terminal_index);
    u64map_free(&bs->last_day);
    free(bs->at);
    free(bs->terminals);
    free(bs);
}

static struct terminal_users *terminal_of(struct borrowed_state *bs, uint64_t hash, bool add)
{
    uint64_t *slot = u64map_get(&bs->terminal_index, hash);
    if (slot != NULL)
        return &bs->terminals[*slot];
    if (!add)
        return NULL;
    bs->terminals =
        xgrow(bs->terminals, &bs->cap_terminals, bs->n_terminals + 1, sizeof *bs->terminals);
    struct terminal_users *t = &bs->terminals[bs->n_terminals];
    for (int i = 0; i < PRESENT_SLOTS; i++)
        t->who[i] = REF_NONE, t->last_ms[i] = INT64_MIN;
    u64map_put(&bs->terminal_index, hash, bs->n_terminals++);
    return t;
}

/* Remember that `e` used the terminal at `ts`: the longest-idle slot makes way. */
static void terminal_used(struct terminal_users *t, uint32_t e, int64_t ts)
{
    int oldest = 0;
    for (int i = 0; i < PRESENT_SLOTS; i++) {
        if (t->who[i] == e) {
            if (ts > t->last_ms[i])
                t->last_ms[i] = ts;
            return;
        }
        if (t->last_ms[i] < t->last_ms[oldest])
            oldest = i;
    }
    t->who[oldest] = e;
    t->last_ms[oldest] = ts;
}

static bool used_terminal_since(const struct borrowed_state *bs, const struct terminal_users *t,
                                uint32_t e, int64_t since)
{
    if (t == NULL)
        return false;
    if (e < bs->n_at && bs->at[e].hash != 0 && &bs->terminals[bs->at[e].index] == t)
        return bs->at[e].last_ms >= since; /* still there: nobody else's use counts */
    for (int i = 0; i < PRESENT_SLOTS; i++)
        if (t->who[i] == e)
            return t->last_ms[i] >= since;
    return false;
}

static void judge(struct borrowed_state *bs, const struct borrowed_settings *cfg,
                  struct engine *eng, const struct event *ev, const struct access *a)
{
    const struct ref *ref = engine_ref(eng);
    const uint32_t *owner;
    uint32_t n_owners = ind_owners_of(&bs->owners, ref, ev->subject, &owner);
    const struct terminal_users *here = n_owners ? terminal_of(bs, ev->terminal_hash, false) : NULL;
    int64_t since = ev->ts_ms - (int64_t)(cfg->presence_hours * 3600000.0);
    uint32_t there = 0;
    for (uint32_t i = 0; i < n_owners; i++)
        there += owner[i] != ev->user && used_terminal_since(bs, here, owner[i], since);
    if (there == 0)
        return;
    /* Several who were there share the weight: which of them sat down is unknown. */
    float strength = (ref->subj[ev->subject].type == ST_PERSON ? 0.8f : 0.64f) / (float)there;
    strength /= (float)ind_shared_attention(eng, ev, a, cfg->shared_weight);
    for (uint32_t i = 0; i < n_owners; i++)
        if (owner[i] != ev->user && used_terminal_since(bs, here, owner[i], since) &&
            ind_first_of_day(&bs->last_day, ref_pair(owner[i], ev->subject), a->local.day))
            engine_signal_for(eng, ev, owner[i], strength, ev->subject, 0, 0);
}

static void prefetch(const void *self, const struct ref *ref, const struct event *ev)
{
    (void)ref;
    const struct borrowed_state *bs = self;
    if (ev->terminal_hash == 0)
        return;
    if (ev->user < bs->n_at)
        __builtin_prefetch(&bs->at[ev->user]);
    u64map_prefetch(&bs->terminal_index, ev->terminal_hash); /* in case the user moved */
}

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    struct borrowed_state *bs = self;
    if (ev->terminal_hash == 0 || ev->user == REF_NONE || ev->user >= engine_ref(eng)->n_emp)
        return;
    /* A record of the actor's own circle is the actor's lookup (relative_lookup). */
    if (a->is_record && !access_case_explained(a) && a->link != LINK_SELF &&
        a->link != LINK_RELATIVE && a->link != LINK_NAMESAKE)
        judge(bs, settings, eng, ev, a);
    if (ev->user >= bs->n_at)
        bs->at = xgrow_zeroed(bs->at, &bs->n_at, (size_t)ev->user + 1, sizeof *bs->at);
    struct employee_terminal *now = &bs->at[ev->user];
    if (now->hash != ev->terminal_hash) {
        if (now->hash != 0)
            terminal_used(&bs->terminals[now->index], ev->user, now->last_ms);
        struct terminal_users *t = terminal_of(bs, ev->terminal_hash, true);
        terminal_used(t, ev->user, ev->ts_ms);
        *now =
            (struct employee_terminal){ev->terminal_hash, (uint32_t)(t - bs->terminals), ev->ts_ms};
    } else if (ev->ts_ms > now->last_ms) {
        now->last_ms = ev->ts_ms;
    }
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    const struct borrowed_settings *cfg = settings;
    sbuf_puts(en, "records of the employee's own family looked up under another employee's "
                  "login, a possible use of an unlocked workstation: ");
    sbuf_puts(nl, "registraties van de eigen familie geraadpleegd onder de inlog van een "
                  "collega, mogelijk gebruik van een onbeheerde werkplek: ");
    char what_en[96], what_nl[96];
    snprintf(what_en, sizeof what_en,
             "at a workstation the employee had used in the %g hours before", cfg->presence_hours);
    snprintf(what_nl, sizeof what_nl,
             "op een werkplek die de medewerker in de %g uur ervoor gebruikte",
             cfg->presence_hours);
    describe_counts(s, what_en, what_nl, en, nl);
}

const struct indicator ind_borrowed_session = {
    .name = "borrowed_session",
    .title_en = "Own family looked up from a colleague's login",
    .title_nl = "Eigen familie geraadpleegd onder inlog collega",
    .help = "Records of the employee's family, household or (ex-)partner looked up without a "
            "case under another employee's login, at a workstation the employee had used "
            "in the hours before: someone using a colleague's unlocked workstation for a "
            "private lookup. The signal is on the employee whose family it is; the evidence "
            "events are the colleague's.",
    .notes = {"at a workstation the employee had used"},
    .family = "relative",
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct borrowed_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .prefetch = prefetch,
    .describe = describe,
};
