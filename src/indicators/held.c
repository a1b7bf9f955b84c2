/*
 * held.c - signals held back for a few days (struct held_signals, indicator.h).
 *
 * Some lookups cannot be judged when they happen: bogus_legitimation waits to see whether
 * a record turns out to be case work, neighbour_lookup whether colleagues look at the
 * household around the same days, sensitive_subject and curiosity_wave whether a public
 * figure opened from a name search was a wrong click (until the day closes), and the two
 * criminal indicators how many of the role met such records in the same system that day
 * (shares.c, which empties the queue itself at each day close). Held signals
 * come in event order, so in day order, and leave the queue from its front. (A wave may
 * hold an earlier looker's look when it forms; held for no days beyond its own, it
 * leaves at the same day close as the others.)
 *
 * Memory: the queue owns its array (a few days of such lookups).
 */
#include "indicators/indicator.h"

#include <stdlib.h>
#include <string.h>

static void push(struct held_signals *q, struct held_signal h)
{
    q->v = xgrow(q->v, &q->cap, q->n + 1, sizeof *q->v);
    q->v[q->n++] = h;
}

void held_push(struct held_signals *q, const struct event *ev, int32_t day, float strength,
               uint32_t key, uint8_t note, uint32_t context)
{
    push(q, (struct held_signal){kept_event_of(ev), key, context, day, strength, note, 0});
}

void held_push_kept(struct held_signals *q, const struct kept_event *ev, int32_t day,
                    float strength, uint32_t key, uint8_t note, uint32_t group)
{
    push(q, (struct held_signal){*ev, key, 0, day, strength, note, group});
}

void held_release(struct held_signals *q, struct engine *eng, int32_t day, int32_t hold_days,
                  held_judge_fn judge, const void *settings)
{
    bool all = engine_finishing(eng);
    size_t done = 0;
    for (; done < q->n; done++) {
        struct held_signal *h = &q->v[done];
        if (!all && h->day > day - hold_days)
            break;
        float strength = judge(eng, h, settings);
        if (strength > 0)
            engine_signal_kept(eng, &h->ev, strength, h->key, h->note, h->group);
    }
    if (done == 0)
        return;
    memmove(q->v, q->v + done, (q->n - done) * sizeof *q->v);
    q->n -= done;
}

float held_judge_detour(const struct engine *eng, struct held_signal *h, const void *settings)
{
    (void)settings;
    return explain_detour(engine_explainer(eng), h->ev.user, h->ev.subject, h->day) ? 0
                                                                                    : h->strength;
}

void held_free(struct held_signals *q)
{
    free(q->v);
    memset(q, 0, sizeof *q);
}
