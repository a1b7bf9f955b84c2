/*
 * casefile.c - case_file_export: the file of a case the employee does not work on,
 * exported or printed.
 *
 * Taking a colleague's investigation out of the system is how case data reaches the
 * people it is about: a printed file of another team's case needs no bulk to do harm, so
 * one such export counts, where bulk_export waits for a day far above the usual. Working
 * on the case explains it: membership, a typed case number that holds up (the own unit's
 * case included, see explain.h), or follow-up. A case number that is not in cases.csv says
 * nothing about whose case it is, so it is left to bogus_legitimation.
 *
 * Both this and bulk_export see data leaving the system, so they form one family: a bulk
 * export of others' case files is one finding, not two.
 */
#include "indicators/indicator.h"

#include <stdio.h>

struct casefile_settings {
    struct ind_common common;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct casefile_settings, 0.85, 1, 90, 45, 0.3, 0),
};

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    (void)self;
    (void)settings;
    if ((ev->action != ACT_EXPORT && ev->action != ACT_PRINT) || !a->is_record ||
        access_case_explained(a))
        return;
    const struct ref *ref = engine_ref(eng);
    if (ref->subj[ev->subject].type != ST_CASE)
        return;
    uint32_t c = ref_case_file(ref, ev->subject);
    if (c == REF_NONE || ref_is_member(ref, c, ev->user))
        return;
    engine_signal(eng, ev, 1.0f, ev->subject, ev->action == ACT_PRINT, 0);
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    (void)settings;
    sbuf_printf(en,
                "exported or printed the file of %u case%s the employee does not work on "
                "(%u exports, %u prints)",
                s->n_keys, s->n_keys == 1 ? "" : "s", s->note_counts[0], s->note_counts[1]);
    sbuf_printf(nl,
                "het dossier van %u %s geëxporteerd of geprint waar de medewerker niet aan "
                "werkt (%u exports, %u afdrukken)",
                s->n_keys, s->n_keys == 1 ? "zaak" : "zaken", s->note_counts[0], s->note_counts[1]);
}

const struct indicator ind_case_file_export = {
    .name = "case_file_export",
    .title_en = "Case file of others exported",
    .title_nl = "Dossier van anderen geëxporteerd",
    .help = "The file of a case the employee does not work on (not a member, no case number "
            "that holds up), exported or printed.",
    .notes = {"case file exported", "case file printed"},
    .family = "export",
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct casefile_settings),
    .on_event = on_event,
    .describe = describe,
};
