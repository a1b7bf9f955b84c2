/*
 * alert.h - the alert as the engine hands it to outputs and the store.
 *
 * An alert concerns one employee in one episode of suspicious activity. It lists every
 * indicator that contributed, each with its score, its evidence events and its
 * explanation in Dutch and English, plus the baseline the behaviour deviates from.
 * This header is data only, shared by score/ (which builds alerts), store/ (which
 * persists them) and main.c (which writes the JSON lines): it has no functions so that
 * store/ does not depend on the scoring code.
 *
 * Memory: an alert and everything it points to is owned by the producer (score/) and is
 * valid until the producer frees it; consumers copy what they keep.
 */
#ifndef WACHTER_ALERT_H
#define WACHTER_ALERT_H

#include <stddef.h>
#include <stdint.h>

/* One event cited as evidence, with the facts an analyst needs to check it. */
struct evidence {
    const char *event_id;
    int64_t ts_ms; /* UTC milliseconds */
    const char *system;
    const char *action;
    const char *subject_type; /* "" when none */
    const char *subject;      /* "" when none */
    const char *legitimation; /* the case number typed in, "" when none */
    const char *note;         /* why this event counts, one short phrase in English */
};

struct alert_indicator {
    const char *name;        /* indicator name, e.g. "relative_lookup" */
    double score;            /* 0..1, this indicator's contribution after weighting */
    const char *text_en;     /* one plain-language line */
    const char *text_nl;     /* the same line in Dutch */
    const char *baseline_en; /* what is normal: own history and peers, "" when none */
    const char *baseline_nl;
    const struct evidence *events;
    size_t n_events;
};

struct alert {
    char id[16];           /* "A-000017": stable within one run */
    const char *user;      /* real employee number: never written out unless revealed */
    const char *pseudonym; /* what analysts see */
    const char *unit, *team, *role;
    const char *group;         /* shared by alerts of one multi-employee pattern, or NULL */
    double score;              /* 0..1, higher is more urgent */
    int64_t first_ms, last_ms; /* the evidence's first and last event */
    int64_t opened_ms;         /* event time at which the score first reached the threshold */
    const struct alert_indicator *indicators;
    size_t n_indicators;
};

#endif
