/*
 * owners.c - whose family a record belongs to (struct ind_owners, indicator.h).
 *
 * The explainer answers "is this record the acting employee's relative?". Two indicators
 * ask the reverse, "which employees' relative is it?": relative_lookup, to count lookups
 * that land in unit-mates' families by chance, and borrowed_session, to find the employee
 * whose family was looked up under someone else's login. The answer is built once at
 * load from relations.csv, every relative of every employee, and from the addresses, the
 * persons who live at an employee's address (household members to the explainer, with or
 * without relations.csv): by person record and by household (for vehicles and addresses
 * there). Without the addresses, a set without relations.csv had no placebos at all, and
 * every chance look at a housemate counted in full. (Measured: 2 fewer false alerts on
 * the eight altgen sets, 4 fewer on three fresh ones, none found fewer; this project's 19
 * sets unchanged.)
 *
 * Memory: one sorted list entry per (employee, relative) and (employee, relative's
 * household) pair; one map entry per distinct person or household.
 */
#include "indicators/indicator.h"

#include <stdlib.h>

static uint64_t owner_key(uint32_t index, bool household)
{
    return ((uint64_t)household << 40 | index) + 1;
}

struct owner_pair {
    uint64_t key;
    uint32_t employee;
};

static int cmp_owner_pair(const void *a, const void *b)
{
    const struct owner_pair *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->employee > y->employee) - (x->employee < y->employee);
}

/* Record that employee `e` owns person record `p`, and so the household `p` lives in. */
static void add_owned(struct owner_pair **pairs, size_t *n, size_t *cap, const struct ref *ref,
                      uint32_t p, uint32_t e)
{
    *pairs = xgrow(*pairs, cap, *n + 2, sizeof **pairs);
    (*pairs)[(*n)++] = (struct owner_pair){owner_key(p, false), e};
    if (ref->subj[p].household != REF_NONE)
        (*pairs)[(*n)++] = (struct owner_pair){owner_key(ref->subj[p].household, true), e};
}

void ind_owners_build(struct ind_owners *o, const struct ref *ref)
{
    struct owner_pair *pairs = NULL;
    size_t n = 0, cap = 0;
    for (size_t e = 0; e < ref->n_emp; e++) {
        const struct rel_edge *rel;
        uint32_t n_rel = ref_relatives(ref, (uint32_t)e, &rel);
        for (uint32_t i = 0; i < n_rel; i++)
            add_owned(&pairs, &n, &cap, ref, rel[i].other, (uint32_t)e);
        /* The persons at the employee's own address are household to the explainer too
         * (find_link), with or without relations.csv. */
        const struct employee *em = &ref->emp[e];
        const uint32_t *res;
        uint32_t n_res = ref_residents(ref, em->postcode, em->house, &res);
        for (uint32_t i = 0; i < n_res; i++)
            if (res[i] != em->person)
                add_owned(&pairs, &n, &cap, ref, res[i], (uint32_t)e);
    }
    if (n > 1)
        qsort(pairs, n, sizeof *pairs, cmp_owner_pair);
    o->list = xmalloc((n ? n : 1) * sizeof *o->list);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t start = k;
        uint64_t key = pairs[i].key;
        for (; i < n && pairs[i].key == key; i++)
            if (k == start || o->list[k - 1] != pairs[i].employee)
                o->list[k++] = pairs[i].employee;
        u64map_put(&o->map, key, (uint64_t)start << 32 | (k - start));
    }
    free(pairs);
}

uint32_t ind_owners_of(const struct ind_owners *o, const struct ref *ref, uint32_t subject,
                       const uint32_t **first)
{
    const struct subject *sj = &ref->subj[subject];
    *first = NULL;
    if (!sj->near_relative)
        return 0;
    uint64_t key = sj->type == ST_PERSON       ? owner_key(subject, false)
                   : sj->household != REF_NONE ? owner_key(sj->household, true)
                                               : 0;
    const uint64_t *v = key ? u64map_get(&o->map, key) : NULL;
    if (v == NULL)
        return 0;
    *first = o->list + (*v >> 32);
    return (uint32_t)*v;
}

void ind_owners_free(struct ind_owners *o)
{
    u64map_free(&o->map);
    free(o->list);
    *o = (struct ind_owners){0};
}
