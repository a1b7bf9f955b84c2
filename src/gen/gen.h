/*
 * gen.h - the realistic dataset generator behind `wachter gen`.
 *
 * What: writes a dataset in the input contract (docs/shared spec data-format.md) for a
 * synthetic police organisation, with legitimate work that looks like misuse and a set of
 * planted misuse scenarios, plus the ground truth beside it (OUTDIR/truth/, never inside
 * OUTDIR/dataset/). `wachter eval` scores alerts against that truth.
 *
 * Why: detection must be tuned and proven on data whose answers are known. The generator
 * is deterministic for a seed (own PRNG, single thread, byte-identical output), streams
 * events day by day so memory stays bounded, and varies population shape and misuse
 * intensity with the seed so that detection cannot be tuned to one shape.
 *
 * Ownership: options are borrowed for the duration of a call. Nothing is returned that
 * the caller must free.
 */
#ifndef WACHTER_GEN_H
#define WACHTER_GEN_H

#include "core/core.h"

#include <stdbool.h>
#include <stdint.h>

/* Everything `wachter gen` can be told. Fill with gen_options_default, then override. */
struct gen_options {
    const char *outdir;    /* receives dataset/ and truth/ */
    uint32_t employees;    /* 50..50000 */
    uint32_t days;         /* length of the period in days, 7..400 */
    uint64_t seed;         /* same seed, same bytes */
    int32_t start_day;     /* first day of the period, days since 1970-01-01 */
    bool relations;        /* write relations.csv */
    double actor_rate;     /* fraction of employees planted as misusers */
    double malformed_rate; /* fraction of lines planted malformed */
    double duplicate_rate; /* fraction of valid lines re-delivered */
    double street_noise;   /* share of everyday draws landing in a postcode where an
                              employee lives that are kept (1 = as often as elsewhere) */
};

/* Fill `o` with the documented defaults: 200 employees, 84 days, seed 1, start
 * 2025-02-03, relations on, actor rate 0.03, malformed 0.0001, duplicates 0.001, street
 * noise 0.1. */
void gen_options_default(struct gen_options *o);

/* Generate the dataset and truth for `o` into o->outdir (created if missing; existing
 * files of the same names are overwritten). Returns 0, or -1 with `e` naming the file or
 * option at fault. */
int gen_run(const struct gen_options *o, struct err *e);

/* The `wachter gen` subcommand: parses argv (argv[0] is "gen"), runs gen_run and prints a
 * one-line summary on stderr. Returns the process exit status: 0 on success, 2 on a usage
 * error or failure (with one line on stderr). */
int gen_main(int argc, char **argv);

#endif
