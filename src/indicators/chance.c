/*
 * chance.c - how much of a personal hit chance explains (struct ind_chance, indicator.h).
 *
 * Some lookups land in an employee's own circle without intent: a patrol officer who checks
 * hundreds of plates will now and then check a colleague's car or one parked at a
 * sibling's address, the more often the smaller the registry is next to the force or the
 * nearer staff live to where they work. An indicator that can tell such chance hits apart
 * in the traffic (relative_lookup: hits in unit-mates' families) feeds the role's count of
 * them here, next to the role's unexplained lookups. An employee's expected chance hits
 * over the lookback, E, are the role's rate per lookup times the employee's own volume (a
 * busy plate checker expects more). The first day on the k-th distinct record then signals with
 *     log P(X >= k | E) / log chance_rate,  X ~ Poisson(E), capped at 1,
 * so in full only when chance would give that many to fewer than chance_rate of employees
 * (the test is made for everyone). Another day on the same record is never chance. Nor is
 * a long look on the first day: a chance hit is one moment, a plate check, its view, the
 * keeper's record. So the factor covers the first `moment_looks` lookups of the day; from
 * the next one on the record weighs in full. (On five altgen sets with relations.csv, of
 * 2,384 chance hits, lookups by unit-mates of someone's family, 11 left four or more
 * lookups of the record that day; of the 141 days of planted family lookups, 37 did.)
 * Where no chance hits are seen, E is 0 and the factor 1.
 *
 * Memory: per employee a volume record; one map entry per (employee, record) judged.
 */
#include "indicators/indicator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct chance_volume *volume_of(struct ind_chance *ch, uint32_t e)
{
    ch->emp = xgrow_zeroed(ch->emp, &ch->n_emp, (size_t)e + 1, sizeof *ch->emp);
    return &ch->emp[e];
}

void ind_chance_lookup(struct ind_chance *ch, const struct ref *ref, const struct event *ev)
{
    struct chance_volume *v = volume_of(ch, ev->user);
    if (v->lookups++ == 0)
        v->first_ms = ev->ts_ms;
    ch->lookups[ref->emp[ev->user].role % ROLE_GROUPS]++;
}

void ind_chance_hit(struct ind_chance *ch, const struct ref *ref, uint32_t e, double weight)
{
    ch->hits[ref->emp[e].role % ROLE_GROUPS] += weight;
}

/* P(X < k) for X ~ Poisson(mean). */
static double poisson_below(uint32_t k, double mean)
{
    double term = exp(-mean), sum = 0;
    for (uint32_t i = 0; i < k && i < 64; i++) {
        sum += term;
        term *= mean / (i + 1);
    }
    return sum < 1 ? sum : 1;
}

float ind_chance_factor(struct ind_chance *ch, const struct ref *ref, const struct event *ev,
                        int32_t day, uint32_t key, double lookback_days, double chance_rate,
                        double moment_looks)
{
    uint64_t d = ((uint64_t)(uint32_t)day + 1) & 0xffffff; /* local days fit in 24 bits */
    uint64_t pair = ref_pair(ev->user, key);
    uint64_t *seen = u64map_get(&ch->first_look, pair);
    float factor;
    if (seen != NULL) {
        if (*seen >> 40 != d)
            return 1.0f;                     /* another day on the same record: not chance */
        uint64_t looks = *seen >> 32 & 0xff; /* so far that day, at most 255 */
        if ((double)looks >= moment_looks)
            return 1.0f; /* longer than a chance hit's moment */
        if (looks < 0xff)
            *seen += (uint64_t)1 << 32;
        uint32_t bits = (uint32_t)*seen;
        memcpy(&factor, &bits, sizeof factor);
        return factor;
    }
    struct chance_volume *v = volume_of(ch, ev->user);
    v->records++;
    uint8_t role = ref->emp[ev->user].role % ROLE_GROUPS;
    double expected = 0;
    if (ch->lookups[role] > 0 && ch->hits[role] > 0 && v->lookups > 0) {
        double days = (double)(ev->ts_ms - v->first_ms) / 86400000.0;
        double per_day = (double)v->lookups / (days > 7 ? days : 7);
        expected = ch->hits[role] / (double)ch->lookups[role] * per_day * lookback_days;
    }
    double p = 1.0 - poisson_below(v->records, expected);
    factor = 1.0f;
    if (p > chance_rate && chance_rate > 0 && chance_rate < 1 && moment_looks >= 1)
        factor = (float)(log(p) / log(chance_rate));
    uint32_t bits;
    memcpy(&bits, &factor, sizeof bits);
    u64map_put(&ch->first_look, pair, d << 40 | (uint64_t)1 << 32 | bits);
    return factor;
}

void ind_chance_free(struct ind_chance *ch)
{
    u64map_free(&ch->first_look);
    free(ch->emp);
    memset(ch, 0, sizeof *ch);
}
