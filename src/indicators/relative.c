/*
 * relative.c - relative_lookup: records of family, household members and (ex-)partners
 * looked up without a case.
 *
 * The relation comes from relations.csv (both directions; the partner's parents, children
 * and siblings count as in-laws, weighing as the own, and the ex-partner's new partner and
 * housemates as the other relatives, see ref_relatives) or, without that file, from a
 * shared address (household) and a shared rare surname (a namesake, weighted by how rare
 * the surname is: a "Jansen" proves nothing, a surname shared with four people does).
 * Vehicles and addresses of relatives count, a little less than their person records.
 * There is no peer discount: looking up one's own family is never part of a role's work.
 * One unexplained lookup of a parent, child, sibling, partner or household member is
 * enough for an alert (half_mass 0.85 puts a single 0.8-strength signal at the
 * threshold): the sources name it as misuse in itself; a stranger sharing a common
 * surname is not a relative and never signals.
 *
 * Unless chance explains it (chance.c). Where the person registry is small next to the
 * force, or staff live where they work, a patrol officer checking hundreds of plates will
 * now and then hit a car parked at a sibling's address. How often is measured with
 * placebos: every unexplained lookup that lands in the family or at the address of a
 * unit-mate (the same work, someone else's family) is a chance hit for the role, weighed
 * 1 / (number of mates). Where no one lands in colleagues' families (a full national
 * registry) nothing changes. A chance hit is one moment, so only the first
 * `chance_looks` lookups of the record on its first day are discounted. (Measured: eight
 * altgen sets 221 -> 223 alerted, 172 -> 174 found, two relative actors with 4 and 30
 * lookups of a sibling's household in one sitting; three newer altgen sets and this
 * project's 19 sets alert on the same employees.)
 *
 * Nor when the family is in the news of the day: a look at a relative's household that
 * other employees looked up in the IND_NEAR_DAYS up to it (the brother's car in an
 * accident, a call from the parents' address) weighs 1 / (1 + shared_weight x those
 * employees), as neighbour_lookup weighs shared attention. Unlike there, the look is not
 * held to count the colleagues who come after: a relative's lookup signals at once, so
 * its alert comes without delay (holding for three days moved the median days to alert of
 * the quality sets by up to 3.5 days, and on altgen it found two actors fewer for three
 * false alerts fewer). Half a colleague each, not neighbour_lookup's full one: the family's own
 * incident is also when curiosity about it is greatest, and a look at it is still not the
 * employee's to take. (Measured on the eight altgen sets: 250 -> 241 alerted, 160 found;
 * on three more altgen seeds 102 -> 100, 66 found; this project's 19 sets alert on the
 * same employees. With 1 as for neighbours: 238 / 159.)
 *
 * Cost: a counter per unexplained record access; only records near some employee's family
 * (subject.near_relative) probe the owners map. Memory: owners of each such record and
 * household, and one entry per employee and relative record or placebo record looked up.
 */
#include "indicators/indicator.h"

#include <stdlib.h>
#include <string.h>

/* The note of a namesake's signal; below it, a relative's note is its enum relation. */
enum { NOTE_NAMESAKE = REL__COUNT };
_Static_assert((int)NOTE_NAMESAKE < (int)IND_NOTES,
               "relative_lookup has a note per relation and one more");

struct relative_settings {
    struct ind_common common;
    double chance_rate;
    double chance_looks;
    double shared_weight;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct relative_settings, 0.85, 0.85, 120, 60, 1.0, 0.3),
    {"chance_rate", PARAM_DOUBLE, offsetof(struct relative_settings, chance_rate), 0.001,
     "a first look at a relative's record signals in full only when chance would give that "
     "many relatives to fewer than this share of employees"},
    {"chance_looks", PARAM_DOUBLE, offsetof(struct relative_settings, chance_looks), 3,
     "lookups of a relative's record on the first day that a chance hit can account for (a "
     "plate check, its view, the keeper's record); from the next one on the day weighs in "
     "full"},
    {"shared_weight", PARAM_DOUBLE, offsetof(struct relative_settings, shared_weight), 0.5,
     "a look at a relative's household that other employees looked up in the 3 days up to "
     "it (an incident in the family) weighs 1 / (1 + this x those employees); 0: no discount"},
};

/* Units with fewer other members than this give no placebo: too few families to compare. */
enum { MIN_MATES = 4 };

struct relative_state {
    struct ind_owners owners;
    uint32_t *unit_size; /* per unit token: employees in it */
    size_t n_units;
    struct ind_chance chance;
    struct u64map placebo_day; /* ref_pair(employee, record) -> last local day + 1 counted */
};

static void *create(const void *settings, const struct ref *ref)
{
    (void)settings;
    struct relative_state *rs = xcalloc(1, sizeof *rs);
    ind_owners_build(&rs->owners, ref);
    for (size_t e = 0; e < ref->n_emp; e++) {
        uint32_t u = ref->emp[e].unit;
        if (u == 0)
            continue;
        rs->unit_size =
            xgrow_zeroed(rs->unit_size, &rs->n_units, (size_t)u + 1, sizeof *rs->unit_size);
        rs->unit_size[u]++;
    }
    return rs;
}

static void destroy(void *self)
{
    struct relative_state *rs = self;
    ind_owners_free(&rs->owners);
    u64map_free(&rs->placebo_day);
    ind_chance_free(&rs->chance);
    free(rs->unit_size);
    free(rs);
}

/* Count the lookup towards the chance rate: a hit on the family of a unit-mate, once per
 * record and day, weighs 1 / (number of mates). */
static void count_placebo(struct relative_state *rs, const struct ref *ref, const struct event *ev,
                          const struct access *a)
{
    const struct employee *em = &ref->emp[ev->user];
    if (em->unit == 0 || em->unit >= rs->n_units || rs->unit_size[em->unit] < MIN_MATES + 1)
        return;
    const uint32_t *owner;
    uint32_t n_owners = ind_owners_of(&rs->owners, ref, ev->subject, &owner);
    uint32_t mates = 0;
    for (uint32_t i = 0; i < n_owners; i++)
        mates += owner[i] != ev->user && ref->emp[owner[i]].unit == em->unit;
    if (mates == 0)
        return;
    if (!ind_first_of_day(&rs->placebo_day, ref_pair(ev->user, ev->subject), a->local.day))
        return;
    ind_chance_hit(&rs->chance, ref, ev->user, (double)mates / (rs->unit_size[em->unit] - 1));
}

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    struct relative_state *rs = self;
    const struct relative_settings *cfg = settings;
    if (!a->is_record || access_case_explained(a))
        return;
    const struct ref *ref = engine_ref(eng);
    ind_chance_lookup(&rs->chance, ref, ev);
    count_placebo(rs, ref, ev, a);
    float strength;
    uint8_t note;
    if (a->link == LINK_RELATIVE) {
        switch (a->relation) {
        case REL_PARTNER:
        case REL_EX_PARTNER:
            strength = 1.0f;
            break;
        case REL_HOUSEHOLD:
            strength = 0.9f;
            break;
        default:
            strength = 0.8f;
        }
        note = a->relation;
    } else if (a->link == LINK_NAMESAKE) {
        strength = 0.6f * a->link_weight;
        note = NOTE_NAMESAKE;
    } else {
        return;
    }
    if (ref->subj[ev->subject].type != ST_PERSON)
        strength *= 0.8f;
    uint32_t key = a->person != REF_NONE ? a->person : ev->subject;
    strength *= ind_chance_factor(&rs->chance, ref, ev, a->local.day, key,
                                  cfg->common.lookback_days, cfg->chance_rate, cfg->chance_looks);
    strength /= (float)ind_shared_attention(eng, ev, a, cfg->shared_weight);
    if (strength > 0)
        engine_signal(eng, ev, strength, key, note, 0);
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    /* Per note (enum relation, then NOTE_NAMESAKE): English, Dutch. */
    static const char *const label[NOTE_NAMESAKE + 1][2] = {
        {"partner", "partner"},
        {"ex-partner", "ex-partner"},
        {"parent", "ouder"},
        {"child", "kind"},
        {"sibling", "broer/zus"},
        {"household", "huisgenoot"},
        {"in-law or other", "schoonfamilie of overig"},
        {"ex-partner's partner or housemate", "partner of huisgenoot van ex-partner"},
        {"same rare surname", "zelfde zeldzame achternaam"},
    };
    struct sbuf ken = {0}, knl = {0};
    for (int i = 0; i <= NOTE_NAMESAKE; i++) {
        if (s->note_counts[i] == 0)
            continue;
        sbuf_printf(&ken, "%s%s %u", ken.len ? ", " : "", label[i][0], s->note_counts[i]);
        sbuf_printf(&knl, "%s%s %u", knl.len ? ", " : "", label[i][1], s->note_counts[i]);
    }
    sbuf_puts(en, "looked up relatives or household members without a case");
    sbuf_puts(nl, "familie of huisgenoten geraadpleegd zonder zaak");
    if (((const struct relative_settings *)settings)->shared_weight > 0) {
        sbuf_printf(en, ", for less where others looked the household up in the %d days up to it",
                    IND_NEAR_DAYS);
        sbuf_printf(nl,
                    ", voor minder waar anderen het huishouden in de %d dagen ervoor al "
                    "raadpleegden",
                    IND_NEAR_DAYS);
    }
    sbuf_puts(en, ": ");
    sbuf_puts(nl, ": ");
    describe_counts(s, ken.buf, knl.buf, en, nl);
    sbuf_free(&ken);
    sbuf_free(&knl);
}

const struct indicator ind_relative_lookup = {
    .name = "relative_lookup",
    .title_en = "Relatives looked up",
    .title_nl = "Familie geraadpleegd",
    .family = "relative",
    .help = "Records of the employee's family, household or (ex-)partner, or their vehicles "
            "and addresses, looked up without a case that explains it. From relations.csv "
            "(the partner's parents, children and siblings and the ex-partner's new partner "
            "included), or from shared address and rare surname when that file is absent. A "
            "first look at a relative's record weighs less where lookups land in unit-mates' "
            "families by chance (measured in the data); coming back on another day, or a "
            "fourth lookup that day, weighs in full. A look at a household that other "
            "employees looked up in the 3 days up to it (an incident in the family) weighs "
            "less.",
    .notes = {"partner", "ex-partner", "parent", "child", "sibling", "household member",
              "in-law or other relative", "ex-partner's partner or housemate", "same rare surname"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct relative_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .describe = describe,
};
