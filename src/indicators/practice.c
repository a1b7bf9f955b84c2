/*
 * practice.c - practice_session: a trainee looks up their own record and, in the same
 * sitting, other people without a case: practising the police systems on real people.
 *
 * The sources name it (seeds 003, recommendation 7): trainees get the mobile app (MEOS)
 * at the start of their first internship, and practising its queries on people from
 * one's own surroundings is forbidden. The trace in the log is a sitting that starts with
 * "what do they have on me" (the own record, car or address) and goes on to other people,
 * none of them in a case the trainee works on. self_lookup sees only the first half and
 * weighs little alone; the people around it are ordinary uncased lookups that no other
 * indicator looks at. Together they are the pattern.
 *
 * Only trainees (role student) by default (`trainees_only`). A patrol officer's own record
 * next to a burst of street checks is a self lookup, not practice: on the eight altgen
 * sets, applying this to every role found the same three trainees and added six patrol
 * officers and analysts whose sitting was exactly that.
 *
 * A sitting opens with a look at an own record and lasts until `sitting_minutes` after
 * the latest one. All its distinct records (own records and other people, up to
 * SITTING_RECORDS) are signalled under one key once it holds at least one other person, so
 * the engine's repeat bonus grows with the sitting's breadth, and separate sittings add
 * up. People looked up before the own record are not counted: on the altgen sets that
 * found no trainee more and added one whose street checks preceded a look at the own car.
 *
 * Cost per event: nothing for other roles; for a trainee's uncased record lookup one hash
 * lookup. Memory: one struct sitting per trainee who looked up an own record.
 */
#include "indicators/indicator.h"

#include <stdlib.h>

struct practice_settings {
    struct ind_common common;
    int trainees_only;
    double sitting_minutes;
};

static const struct ind_param params[] = {
    /* Own record and two others in one sitting (three signals on one key, mass 2) pass the
     * alert threshold; own record and one other (1.5) do not alone. */
    IND_COMMON_PARAMS(struct practice_settings, 0.8, 2.0, 90, 45, 0.5, 0.5),
    {"trainees_only", PARAM_BOOL, offsetof(struct practice_settings, trainees_only), 1,
     "only employees with role student; others' own record next to street checks is left to "
     "self_lookup"},
    {"sitting_minutes", PARAM_DOUBLE, offsetof(struct practice_settings, sitting_minutes), 30,
     "people looked up within this many minutes after a look at an own record share its "
     "sitting"},
};

enum { SITTING_RECORDS = 8 };

struct sitting {
    int64_t last_own_ms; /* the latest unexplained look at an own record, 0 none */
    uint32_t key;        /* the signal key of the sitting */
    uint8_t n;           /* records collected in the sitting */
    uint8_t has_other;   /* another person is among them: all are signalled, and new ones at once */
    float strength;      /* 1 once the own person record is among them, 0.6 for a car or address */
    struct kept_event rec[SITTING_RECORDS];
    uint8_t own[SITTING_RECORDS];
};

struct practice_state {
    struct u64map of_user; /* employee + 1 (the map has no key 0) -> index into v */
    struct sitting *v;
    size_t n, cap;
    uint32_t next_key;
};

static void *create(const void *settings, const struct ref *ref)
{
    (void)settings;
    (void)ref;
    return xcalloc(1, sizeof(struct practice_state));
}

static void destroy(void *self)
{
    struct practice_state *ps = self;
    u64map_free(&ps->of_user);
    free(ps->v);
    free(ps);
}

/* The trainee's sitting, NULL before their first look at an own record. */
static struct sitting *sitting_find(struct practice_state *ps, uint32_t user)
{
    uint64_t *slot = u64map_get(&ps->of_user, (uint64_t)user + 1);
    return slot != NULL ? &ps->v[*slot] : NULL;
}

/* The same, made on the first look at an own record. */
static struct sitting *sitting_of(struct practice_state *ps, uint32_t user)
{
    struct sitting *s = sitting_find(ps, user);
    if (s != NULL)
        return s;
    ps->v = xgrow(ps->v, &ps->cap, ps->n + 1, sizeof *ps->v);
    memset(&ps->v[ps->n], 0, sizeof *ps->v);
    u64map_put(&ps->of_user, (uint64_t)user + 1, ps->n);
    return &ps->v[ps->n++];
}

static void signal_record(struct engine *eng, const struct sitting *s, uint8_t i)
{
    engine_signal_kept(eng, &s->rec[i], s->strength, s->key, s->own[i] ? 0 : 1, 0);
}

/* Add the record of `ev` to the sitting (once per record) and signal what is due. */
static void add_record(struct engine *eng, struct sitting *s, const struct event *ev, bool own)
{
    for (uint8_t i = 0; i < s->n; i++)
        if (s->rec[i].subject == ev->subject)
            return;
    if (s->n == SITTING_RECORDS)
        return;
    s->rec[s->n] = kept_event_of(ev);
    s->own[s->n] = own;
    s->n++;
    if (s->has_other) {
        signal_record(eng, s, (uint8_t)(s->n - 1));
    } else if (!own) {
        for (uint8_t i = 0; i < s->n; i++)
            signal_record(eng, s, i);
        s->has_other = 1;
    }
}

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    struct practice_state *ps = self;
    const struct practice_settings *cfg = settings;
    if (!a->is_record || access_case_explained(a))
        return;
    const struct ref *ref = engine_ref(eng);
    if (cfg->trainees_only && ref->emp[ev->user].role != ROLE_STUDENT)
        return;
    uint8_t type = ref->subj[ev->subject].type;
    bool own = a->link == LINK_SELF;
    if (!own && type != ST_PERSON)
        return;
    int64_t window = (int64_t)(cfg->sitting_minutes * 60000.0);
    struct sitting *s;
    if (!own) {
        s = sitting_find(ps, ev->user);
        if (s != NULL && ev->ts_ms - s->last_own_ms <= window)
            add_record(eng, s, ev, false);
        return;
    }
    s = sitting_of(ps, ev->user);
    if (s->last_own_ms == 0 || ev->ts_ms - s->last_own_ms > window) {
        s->key = ++ps->next_key;
        s->n = 0;
        s->has_other = 0;
        s->strength = 0;
    }
    s->last_own_ms = ev->ts_ms;
    float strength = type == ST_PERSON ? 1.0f : 0.6f;
    if (strength > s->strength)
        s->strength = strength;
    add_record(eng, s, ev, true);
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    const struct practice_settings *cfg = settings;
    char ken[64], knl[64];
    snprintf(ken, sizeof ken, "%u own records, %u other people", s->note_counts[0],
             s->note_counts[1]);
    snprintf(knl, sizeof knl, "%u eigen registraties, %u andere personen", s->note_counts[0],
             s->note_counts[1]);
    sbuf_printf(en,
                "looked up own record and, within %.0f minutes of it, other people without a "
                "case, in %u sitting%s (practising on real people): ",
                cfg->sitting_minutes, s->n_keys, s->n_keys == 1 ? "" : "s");
    sbuf_printf(nl,
                "eigen registratie geraadpleegd en binnen %.0f minuten daarvan andere personen "
                "zonder zaak, in %u sessie%s (oefenen op echte personen): ",
                cfg->sitting_minutes, s->n_keys, s->n_keys == 1 ? "" : "s");
    describe_counts(s, ken, knl, en, nl);
}

const struct indicator ind_practice_session = {
    .name = "practice_session",
    .title_en = "Practising on real people",
    .title_nl = "Oefenen op echte personen",
    .help = "A trainee looks up their own record, car or address and, in the same sitting, "
            "other people without a case: practising the systems (the mobile app) on real "
            "people, which the sources forbid. Counted per sitting; its weight grows with "
            "the number of people in it.",
    .notes = {"own record", "other person"},
    .family = "self",
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct practice_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .describe = describe,
};
