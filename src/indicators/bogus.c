/*
 * bogus.c - bogus_legitimation: a case number typed in as the reason for a lookup that
 * does not hold up: it does not exist, the case is closed, the user does not work on it,
 * or it does not hold the record; and invalid_case_number, the numbers of no open case.
 *
 * A wrong number typed for a record the user does have a case for elsewhere is most
 * likely a slip, and counts for little. Two kinds of typed numbers are what people doing
 * their job type when the case lists are incomplete, and they do not signal:
 *   - the number of an open case of the user's own unit (or one a team-mate works on)
 *     that holds the record but does not list the user (EX_CASE_UNIT);
 *   - the number of the user's own case for a record the case does not list, once that
 *     record is seen to be worked on under that number: by another member, or by the user
 *     on another day (EX_CASE_WORK);
 *   - the number of an open case that holds the record, does not list the user, but whose
 *     file the user writes to (EX_CASE_WRITER);
 *   - the number of the own integrity case for a colleague of a unit it looks into
 *     (EX_INTEGRITY_UNIT).
 * The first lookup of such a record, and a lookup under a case of others that holds it
 * (access.unlisted_open), cannot be judged when they happen, so their signal is held back
 * for HOLD_DAYS and then dropped if the record turned out to be case work, or the user
 * wrote to the case's file, within them; or given with the event's own time if not. A
 * colleague's lookup days later thus clears the one who happened to be first; a one-off
 * lookup of a stranger under one's own case number still counts. The last day close of a
 * run judges what is still held.
 *
 * invalid_case_number, in the same file and family, is a second view of the same typed
 * numbers: only those of no open case (it does not exist, or was closed), judged against
 * the role's normal level for those alone. The kinds differ in how common they are. Where
 * dispatch lists are incomplete every patrol officer types the numbers of incidents that
 * do not list them, day after day, and that volume is the role's normal level for
 * bogus_legitimation: a handful of invented numbers drowns in it. A number that exists
 * nowhere is typed by almost no one in such a role (on the eight altgen sets by none of
 * 3,829 innocent patrol officers, and by 13 of the 14 patrol officers planted as bogus
 * legitimation). One family: the two views of one lookup count once in the alert, as
 * the stronger.
 *
 * Memory: the held signals (at most a few days of such lookups) are owned by the
 * indicator's state.
 */
#include "indicators/indicator.h"

#include <stdlib.h>

/* Days a first lookup under the own case is held (struct held_signals: less than live
 * runs keep event texts). */
#define HOLD_DAYS 3
_Static_assert(HOLD_DAYS <= IND_HOLD_MAX_DAYS, "held longer than the engine closes days");

struct bogus_settings {
    struct ind_common common;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct bogus_settings, 0.8, 2.5, 90, 45, 0.3, 0.3),
    IND_VOLUME_NORM_PARAM(struct bogus_settings, 1),
};

/* Held signals carry the case the typed number denotes (access.legit) as their context
 * and the bogus kind as their note: BOGUS_NOT_IN_CASE waits for case work,
 * BOGUS_NOT_MEMBER for a write to the case's file. */
struct bogus_state {
    struct held_signals held;
};

static void *create(const void *settings, const struct ref *ref)
{
    (void)settings;
    (void)ref;
    return xcalloc(1, sizeof(struct bogus_state));
}

static void destroy(void *self)
{
    struct bogus_state *bs = self;
    held_free(&bs->held);
    free(bs);
}

/* A typed number that does not hold up, by kind; a quarter when another route explains
 * the record anyway (a slip of the keyboard on a record the user has a case for). */
static float typed_strength(const struct access *a)
{
    static const float strength[] = {
        [BOGUS_UNKNOWN_CASE] = 1.0f,
        [BOGUS_CLOSED] = 0.5f,
        [BOGUS_NOT_MEMBER] = 0.8f,
        [BOGUS_NOT_IN_CASE] = 0.8f,
    };
    float s = strength[a->bogus];
    return access_case_explained(a) ? s * 0.25f : s;
}

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    struct bogus_state *bs = self;
    (void)settings;
    if (!a->is_record || a->bogus == BOGUS_NONE || a->bogus == BOGUS_UNLISTED ||
        a->route == EX_CASE_WORK)
        return;
    /* The own integrity case, typed for a colleague it does not list but whose unit it
     * looks into, is the case the lookup was for. */
    if (a->route == EX_INTEGRITY_UNIT && a->bogus == BOGUS_NOT_IN_CASE &&
        engine_ref(eng)->cases[a->legit].integrity)
        return;
    float s = typed_strength(a);
    if ((a->bogus == BOGUS_NOT_IN_CASE &&
         explain_case_work(engine_explainer(eng), a->legit, ev->subject, NULL) ==
             CASE_WORK_FIRST) ||
        a->unlisted_open) {
        held_push(&bs->held, ev, a->local.day, s, ev->subject, a->bogus, a->legit);
        return;
    }
    engine_signal(eng, ev, s, ev->subject, a->bogus, 0);
}

/* A held signal stands unless the record turned out to be case work, or the user wrote
 * to the case's file, within HOLD_DAYS of the lookup. */
static float judge(const struct engine *eng, struct held_signal *h, const void *settings)
{
    (void)settings;
    const struct explainer *x = engine_explainer(eng);
    int32_t since = 0;
    bool work = h->note == BOGUS_NOT_MEMBER
                    ? explain_case_writer(x, h->context, h->ev.user, &since)
                    : explain_case_work(x, h->context, h->ev.subject, &since) == CASE_WORK_SHARED;
    return !work || since > h->day + HOLD_DAYS ? h->strength : 0;
}

static void on_day_close(void *self, const void *settings, struct engine *eng, int32_t day)
{
    struct bogus_state *bs = self;
    held_release(&bs->held, eng, day, HOLD_DAYS, judge, settings);
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    (void)settings;
    char ken[128], knl[128];
    snprintf(ken, sizeof ken,
             "%u non-existent case, %u closed case, %u case of others, %u case without the record",
             s->note_counts[BOGUS_UNKNOWN_CASE], s->note_counts[BOGUS_CLOSED],
             s->note_counts[BOGUS_NOT_MEMBER], s->note_counts[BOGUS_NOT_IN_CASE]);
    snprintf(knl, sizeof knl,
             "%u niet-bestaande zaak, %u gesloten zaak, %u zaak van anderen, %u zaak zonder de "
             "registratie",
             s->note_counts[BOGUS_UNKNOWN_CASE], s->note_counts[BOGUS_CLOSED],
             s->note_counts[BOGUS_NOT_MEMBER], s->note_counts[BOGUS_NOT_IN_CASE]);
    sbuf_puts(en, "gave case numbers that do not explain the lookup: ");
    sbuf_puts(nl, "zaaknummers opgegeven die de raadpleging niet verklaren: ");
    describe_counts(s, ken, knl, en, nl);
}

const struct indicator ind_bogus_legitimation = {
    .name = "bogus_legitimation",
    .title_en = "Case number does not hold up",
    .title_nl = "Zaaknummer klopt niet",
    .help = "A case number given as the reason for a lookup that does not exist, is closed, "
            "is not the employee's, or does not hold the record.",
    .notes = {"", "case does not exist", "case closed", "not a member of the case",
              "record not in the case"},
    .family = "bogus",
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct bogus_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .on_day_close = on_day_close,
    .describe = describe,
};

/* ---- invalid_case_number ------------------------------------------------------------ */

static const struct ind_param invalid_params[] = {
    IND_COMMON_PARAMS(struct bogus_settings, 0.8, 2.5, 90, 45, 0.3, 0.3),
    IND_VOLUME_NORM_PARAM(struct bogus_settings, 1),
};

static void invalid_on_event(void *self, const void *settings, struct engine *eng,
                             const struct event *ev, const struct access *a)
{
    (void)self;
    (void)settings;
    if (!a->is_record || (a->bogus != BOGUS_UNKNOWN_CASE && a->bogus != BOGUS_CLOSED))
        return;
    engine_signal(eng, ev, typed_strength(a), ev->subject, a->bogus, 0);
}

static void invalid_describe(const void *self, const void *settings, const struct ind_summary *s,
                             struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    (void)settings;
    char ken[64], knl[64];
    snprintf(ken, sizeof ken, "%u non-existent case, %u closed case",
             s->note_counts[BOGUS_UNKNOWN_CASE], s->note_counts[BOGUS_CLOSED]);
    snprintf(knl, sizeof knl, "%u niet-bestaande zaak, %u gesloten zaak",
             s->note_counts[BOGUS_UNKNOWN_CASE], s->note_counts[BOGUS_CLOSED]);
    sbuf_puts(en, "gave case numbers of no open case: ");
    sbuf_puts(nl, "zaaknummers opgegeven van geen open zaak: ");
    describe_counts(s, ken, knl, en, nl);
}

const struct indicator ind_invalid_case_number = {
    .name = "invalid_case_number",
    .title_en = "Case number of no open case",
    .title_nl = "Zaaknummer van geen open zaak",
    .help = "A case number given as the reason for a lookup that does not exist or is closed, "
            "judged against how often the role types such numbers (bogus_legitimation judges "
            "all kinds of typed numbers together).",
    .notes = {"", "case does not exist", "case closed"},
    .family = "bogus",
    .params = invalid_params,
    .n_params = sizeof invalid_params / sizeof *invalid_params,
    .settings_size = sizeof(struct bogus_settings),
    .on_event = invalid_on_event,
    .describe = invalid_describe,
};
