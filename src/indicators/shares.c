/*
 * shares.c - where a kind of lookup is everyday work for a role (struct ind_system_shares,
 * indicator.h).
 *
 * Where a lookup was made says as much as who made it. A patrol officer's plate checks on
 * the street land on criminals' cars from other regions every week: in the mobile system
 * most of the role meets such records. Looking one up at the desk, in a system where
 * hardly anyone of the role does, is research. An indicator that wants this
 * (criminal_network, criminal_local) counts its lookups here; each weighs 1 minus the
 * share of the role's other active staff (a record access in the last 28 days, as for the
 * peer baselines) who made such a lookup in the same system in that time. Where nearly
 * all of them did (more than the indicator's everyday share), the lookup is everyday work
 * there and is not signalled at all: that keeps the plate checks of a whole role out of
 * its peers' masses, and out of the engine's memory and time. The shares are learned from
 * the traffic (no system is named in the code), so they adapt to each force. Lookups are
 * held to the close of their day and weighed with the shares of that day, so even the
 * first day's are. A role with fewer than MIN_OTHERS other active members gives no
 * share: too few to tell a habit of the role from one person's.
 *
 * A record counts once per employee and day, by its first lookup: the query, its view,
 * the same person in a second system are one look, and the engine's repeat bonus is left
 * to coming back on other days, as a leak does week after week and a plate check does
 * not. (Measured: eight altgen sets 243 -> 241 alerted, 193 found; three fresh altgen
 * sets 113 -> 111 alerted, 76 -> 77 found; this project's 19 sets 553 -> 551 alerted,
 * 535 found. Counting the later lookups' systems in the shares while holding one signal
 * lost one actor on each altgen family.)
 *
 * Cost per lookup of the kind: one hash update and a held signal. At a day close with
 * lookups: one pass over the lookups that left the window (the engine counts the active
 * staff); the counts per system and role are kept up to date as lookups come and go.
 * Memory: a map entry per employee and system, a list entry per employee, system and day
 * of the last SHARE_DAYS days.
 */
#include "indicators/indicator.h"

#include <stdlib.h>
#include <string.h>

enum { SHARE_DAYS = 28, MIN_OTHERS = 3 };

/* The map's value: local day + 1 of the pair's latest lookup, with COUNTED set while the
 * pair is in its cell's count (a lookup of it in the window). */
#define COUNTED (UINT64_C(1) << 63)

static uint32_t *cell_of(struct ind_system_shares *sh, uint16_t system, uint8_t group)
{
    size_t need = ((size_t)system + 1) * ROLE_GROUPS;
    if (need > sh->n_cells)
        sh->with_hit = xgrow_zeroed(sh->with_hit, &sh->n_cells, need, sizeof *sh->with_hit);
    return &sh->with_hit[(size_t)system * ROLE_GROUPS + group];
}

void ind_shares_hold(struct ind_system_shares *sh, const struct ref *ref, const struct event *ev,
                     int32_t day, float strength, uint32_t key, uint8_t note)
{
    if (!u64map_add(&sh->held_keys, ref_pair(ev->user, key), 0))
        return; /* the record's first lookup of the day is the one that counts */
    uint64_t pair = ref_pair(ev->user, ev->system);
    uint64_t *last = u64map_get(&sh->last_hit, pair);
    /* a lookup a few minutes late from the day before adds nothing to a later one */
    if (last == NULL || (*last & ~COUNTED) < (uint64_t)day + 1) {
        if (last == NULL || !(*last & COUNTED))
            (*cell_of(sh, ev->system, ref->emp[ev->user].role))++;
        u64map_put(&sh->last_hit, pair, ((uint64_t)day + 1) | COUNTED);
        sh->hits = xgrow(sh->hits, &sh->cap_hits, sh->n_hits + 1, sizeof *sh->hits);
        sh->hits[sh->n_hits++] = (struct ind_system_hit){ev->user, ev->system, day};
    }
    held_push(&sh->held, ev, day, strength, key, note, 0);
}

/* Move the window to end at `day`: a pair whose latest lookup leaves it leaves its count.
 * (The array is in day order but for lookups minutes late around midnight, which leave a
 * little later.) */
static void expire(struct ind_system_shares *sh, const struct ref *ref, int32_t day)
{
    int32_t first = day - SHARE_DAYS + 1;
    for (; sh->head < sh->n_hits && sh->hits[sh->head].day < first; sh->head++) {
        const struct ind_system_hit *hit = &sh->hits[sh->head];
        uint64_t *last = u64map_get(&sh->last_hit, ref_pair(hit->employee, hit->system));
        if (*last == (((uint64_t)hit->day + 1) | COUNTED)) {
            *last &= ~COUNTED;
            (*cell_of(sh, hit->system, ref->emp[hit->employee].role))--;
        }
    }
    if (sh->head > sh->n_hits / 2) { /* keep the array from growing with the run */
        memmove(sh->hits, sh->hits + sh->head, (sh->n_hits - sh->head) * sizeof *sh->hits);
        sh->n_hits -= sh->head;
        sh->head = 0;
    }
}

void ind_shares_release(struct ind_system_shares *sh, struct engine *eng, int32_t day, bool weigh,
                        double everyday_share, uint8_t common_note)
{
    if (sh->held.n == 0)
        return;
    const struct ref *ref = engine_ref(eng);
    expire(sh, ref, day);
    for (size_t i = 0; i < sh->held.n; i++) {
        const struct held_signal *h = &sh->held.v[i];
        uint8_t group = ref->emp[h->ev.user].role;
        /* the others of the role: the held lookup's own employee is active and counted */
        uint32_t active = engine_active_staff(eng, group);
        uint32_t others = active > 0 ? active - 1 : 0;
        uint32_t with = *cell_of(sh, h->ev.system, group);
        double share = weigh && others >= MIN_OTHERS && with > 0 ? (double)(with - 1) / others : 0;
        if (share > everyday_share)
            continue;
        engine_signal_kept(eng, &h->ev, h->strength * (float)(1.0 - share), h->key,
                           (uint8_t)(h->note + (share > 0.5 ? common_note : 0)), 0);
    }
    sh->held.n = 0;
    u64map_clear(&sh->held_keys);
}

void ind_shares_free(struct ind_system_shares *sh)
{
    u64map_free(&sh->last_hit);
    free(sh->hits);
    free(sh->with_hit);
    held_free(&sh->held);
    u64map_free(&sh->held_keys);
    memset(sh, 0, sizeof *sh);
}
