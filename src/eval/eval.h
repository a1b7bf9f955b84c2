/*
 * eval.h - `wachter eval`: how well a run's alerts find the misuse planted by `wachter gen`.
 *
 * What: reads a generated dataset's truth directory (actors.csv: user,scenario;
 * events.csv: event_id,user,scenario[,ts]) and the alerts of `wachter analyze --alerts-out
 * FILE --reveal-ids` (JSON lines with at least "user" and "score", optionally
 * "indicators":[{"events":[ids...]}]), and measures, over employees:
 *   - recall: actors alerted / actors;
 *   - precision: alerted employees that are actors / alerted employees;
 *   - ap: average precision of the ranking of alerted employees by their highest alert
 *     score (ties broken by employee number), over the actor set: unalerted actors count
 *     as never retrieved;
 *   - evidence_share: of the alerted actors, the share whose alerts cite at least one of
 *     that actor's own planted event ids;
 *   - recall per scenario;
 *   - days to alert: for each alerted actor, from its first planted event (events.csv
 *     column `ts`, optional) to the event time its first alert opened (alert field
 *     `opened_ts`, optional); median and 90th percentile over the actors with both, and
 *     the median per scenario.
 *
 * Why per employee: an analyst's unit of work is the employee (one conversation with one
 * supervisor), and several alerts on one actor should not inflate precision.
 *
 * Ownership: eval_compute fills a result that owns its scenario array; free it with
 * eval_result_free. Paths are borrowed.
 */
#ifndef WACHTER_EVAL_H
#define WACHTER_EVAL_H

#include "core/core.h"

#include <stdint.h>
#include <stdio.h>

struct eval_scenario {
    char name[64];
    uint32_t actors, found;
    uint32_t delay_n;         /* found actors with a days-to-alert figure */
    double delay_median_days; /* their median */
};

struct eval_result {
    double recall, precision, ap, evidence_share;
    uint32_t alerted, actors, true_positives, evidence_hits;
    uint32_t delay_n; /* actors with a days-to-alert figure (0: the times were not given) */
    double delay_median_days, delay_p90_days;
    struct eval_scenario *scenarios; /* sorted by name */
    size_t nscenarios;
};

/* Score the alerts file `alerts_path` against the truth in `truth_dir`. Returns 0, or -1
 * with `e` naming the file (and line) that could not be read or parsed.
 * Memory: on success `r` owns an array; release it with eval_result_free. */
int eval_compute(const char *truth_dir, const char *alerts_path, struct eval_result *r,
                 struct err *e);

/* Release what eval_compute allocated. Accepts a zeroed or NULL result. */
void eval_result_free(struct eval_result *r);

/* Print the result as a readable table, or as one JSON object with the fields recall,
 * precision, ap, evidence_share, alerted, actors, true_positives, delay_n,
 * delay_median_days, delay_p90_days and
 * per_scenario:{name:{actors,found,recall,delay_median_days}} (the last only with a figure),
 * followed by a newline. */
void eval_print_table(const struct eval_result *r, FILE *out);
void eval_print_json(const struct eval_result *r, FILE *out);

/* The `wachter eval TRUTHDIR ALERTS [--json]` subcommand (argv[0] is "eval"). Returns 0 on
 * success and 2 with one error line naming the file on bad input or usage. */
int eval_main(int argc, char **argv);

#endif
