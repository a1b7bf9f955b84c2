/*
 * shares.c - where a kind of lookup is everyday work for a role (struct ind_system_shares,
 * indicator.h).
 *
 * Where a lookup was made says as much as who made it. A patrol officer's plate checks on
 * the street land on criminals' cars from other regions every week: in the mobile system
 * most of the role meets such records. Looking one up at the desk, in a system where
 * hardly anyone of the role does, is research. An indicator that wants this
 * (criminal_network) counts its lookups here; each weighs 1 minus the share of the role's other
 * active staff (a record access in the last SHARE_DAYS days) who made such a lookup in the
 * same system in that time, down to a floor. The shares are learned from the traffic (no
 * system is named in the code), so they adapt to each force. Lookups are held to the close
 * of their day and weighed with the shares of that day, so even the first day's are. A
 * role with fewer than MIN_OTHERS other active members gives no share: too few to tell a
 * habit of the role from one person's.
 *
 * Cost per record access: one store of the employee's last active day; per lookup of the
 * kind one hash update and a held signal. At a day close with lookups: one pass over the
 * employees and over the lookups of the last SHARE_DAYS days (at most one per employee,
 * system and day). Memory: the same.
 */
#include "indicators/indicator.h"

#include <stdlib.h>
#include <string.h>

enum { SHARE_DAYS = 28, MIN_OTHERS = 3 };

void ind_shares_seen(struct ind_system_shares *sh, const struct event *ev, int32_t day)
{
    if (ev->user >= sh->cap_active)
        sh->last_active = xgrow_zeroed(sh->last_active, &sh->cap_active, (size_t)ev->user + 1,
                                       sizeof *sh->last_active);
    sh->last_active[ev->user] = day + 1;
}

void ind_shares_hold(struct ind_system_shares *sh, const struct event *ev, int32_t day,
                     float strength, uint32_t key, uint8_t note)
{
    uint64_t pair = ref_pair(ev->user, ev->system);
    uint64_t *last = u64map_get(&sh->last_hit, pair);
    /* a lookup a few minutes late from the day before adds nothing to a later one */
    if (last == NULL || *last < (uint64_t)day + 1) {
        u64map_put(&sh->last_hit, pair, (uint64_t)day + 1);
        sh->hits = xgrow(sh->hits, &sh->cap_hits, sh->n_hits + 1, sizeof *sh->hits);
        sh->hits[sh->n_hits++] = (struct ind_system_hit){ev->user, ev->system, day};
    }
    held_push(&sh->held, ev, day, strength, key, note, 0);
}

/* The shares as of the close of `day`: the others of the role with such a lookup in the
 * system, over the others of the role active, in the last SHARE_DAYS days. Every held
 * lookup is on a day in the window, so its own employee is among both counts and is
 * taken out. */
static void update_shares(struct ind_system_shares *sh, const struct ref *ref, int32_t day)
{
    int32_t first = day - SHARE_DAYS + 1;
    while (sh->head < sh->n_hits && sh->hits[sh->head].day < first)
        sh->head++;
    if (sh->head > sh->n_hits / 2) { /* keep the array from growing with the run */
        memmove(sh->hits, sh->hits + sh->head, (sh->n_hits - sh->head) * sizeof *sh->hits);
        sh->n_hits -= sh->head;
        sh->head = 0;
    }
    uint32_t active[ROLE_GROUPS] = {0};
    size_t n_emp = sh->cap_active < ref->n_emp ? sh->cap_active : ref->n_emp;
    for (size_t e = 0; e < n_emp; e++)
        if (sh->last_active[e] > first)
            active[ref->emp[e].role]++;
    size_t cells = ref->n_systems * ROLE_GROUPS;
    if (ref->n_systems > sh->n_systems) {
        sh->share = xrealloc(sh->share, cells * sizeof *sh->share);
        sh->with_hit = xrealloc(sh->with_hit, cells * sizeof *sh->with_hit);
        sh->n_systems = ref->n_systems;
    }
    memset(sh->with_hit, 0, cells * sizeof *sh->with_hit);
    for (size_t i = sh->head; i < sh->n_hits; i++) {
        const struct ind_system_hit *hit = &sh->hits[i];
        /* each employee and system once: at its latest lookup; and only in the window (a
         * lookup minutes late from the day before may follow later days' in the array) */
        const uint64_t *last = u64map_get(&sh->last_hit, ref_pair(hit->employee, hit->system));
        if (hit->day >= first && *last == (uint64_t)hit->day + 1)
            sh->with_hit[(size_t)hit->system * ROLE_GROUPS + ref->emp[hit->employee].role]++;
    }
    for (size_t c = 0; c < cells; c++) {
        uint32_t others = active[c % ROLE_GROUPS];
        others = others > 0 ? others - 1 : 0;
        sh->share[c] = others >= MIN_OTHERS && sh->with_hit[c] > 0
                           ? (float)(sh->with_hit[c] - 1) / (float)others
                           : 0.0f;
    }
}

void ind_shares_release(struct ind_system_shares *sh, struct engine *eng, int32_t day, double floor,
                        uint8_t common_note)
{
    if (sh->held.n == 0)
        return;
    const struct ref *ref = engine_ref(eng);
    update_shares(sh, ref, day);
    for (size_t i = 0; i < sh->held.n; i++) {
        const struct held_signal *h = &sh->held.v[i];
        double share = sh->share[(size_t)h->ev.system * ROLE_GROUPS + ref->emp[h->ev.user].role];
        double weight = 1.0 - share > floor ? 1.0 - share : floor;
        engine_signal_kept(eng, &h->ev, h->strength * (float)weight, h->key,
                           (uint8_t)(h->note + (share > 0.5 ? common_note : 0)), 0);
    }
    sh->held.n = 0;
}

void ind_shares_free(struct ind_system_shares *sh)
{
    free(sh->last_active);
    u64map_free(&sh->last_hit);
    free(sh->hits);
    free(sh->share);
    free(sh->with_hit);
    held_free(&sh->held);
    memset(sh, 0, sizeof *sh);
}
