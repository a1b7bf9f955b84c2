/*
 * gen_world.c - the synthetic organisation and population, and the reference CSV files.
 *
 * What is built, in order (the order matters: each step uses what the previous made):
 *   1. units (one per region, ~150 employees each, at least 2, plus the national VIK
 *      integrity unit), employees with seed-varied role proportions, teams of 15-25
 *      consecutive employees of one unit sorted by role family;
 *   2. the actors (gen_misuse.c), because scenarios shape the world: an ex_partner actor
 *      needs an ex-partner, an off_duty actor a leave period, a bulk_export actor an end
 *      date;
 *   3. the population region by region: postcodes of 15-25 households, households of 1-5
 *      persons sharing an address (adults first), surnames from a Zipf-like law over a
 *      few hundred Dutch surnames, vehicles kept by adults;
 *   4. each employee's social environment, by claiming households of their region: their
 *      own (partner, children), their parents', siblings', and sometimes an ex-partner's;
 *      a claimed household is never given to a second employee;
 *   5. flags: criminal networks of 5-30 adults inside one region, public figures (vip),
 *      shielded persons; minors follow from the birth year;
 *   6. rosters (one plan per employee per day), investigations, integrity cases and the
 *      cases around persons in the news.
 *
 * Why flat arrays and index-derived ids: 50,000 employees means three million persons;
 * a person costs 12 bytes here and its id is rendered only when written.
 *
 * Ownership: everything lives in struct gen and is freed by gen_run.
 */
#include "gen/gen_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- PRNG --------------------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void gen_rng_seed(struct gen_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t gen_rng_next(struct gen_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint32_t gen_rng_below(struct gen_rng *r, uint32_t n)
{
    /* Lemire's multiply-shift; the tiny bias at n close to 2^32 does not matter here. */
    return (uint32_t)(((gen_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

double gen_rng_unit(struct gen_rng *r)
{
    return (double)(gen_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

int gen_rng_range(struct gen_rng *r, int lo, int hi)
{
    return lo + (int)gen_rng_below(r, (uint32_t)(hi - lo + 1));
}

bool gen_rng_chance(struct gen_rng *r, double p)
{
    return gen_rng_unit(r) < p;
}

/* ---- names -------------------------------------------------------------------------- */

const char *const gen_role_names[ROLE_COUNT] = {"patrol",     "detective",    "intake",
                                                "dispatcher", "intelligence", "integrity",
                                                "student",    "staff",        "it"};

/* Ordered roughly by frequency in the Netherlands; the Zipf law follows this order. */
static const char *const surnames[] = {
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "de Bruin",
    "van der Heijden",
    "Schouten",
    "van Beek",
    "Willems",
    "van Vliet",
    "van de Ven",
    "Hoekstra",
    "Maas",
    "Verhoeven",
    "Koster",
    "van Dam",
    "van der Wal",
    "Prins",
    "Blom",
    "Huisman",
    "Peeters",
    "de Jonge",
    "Kuipers",
    "van Veen",
    "Post",
    "Kuiper",
    "Veenstra",
    "Kramer",
    "van den Brink",
    "Scholten",
    "van Wijk",
    "Postma",
    "Martens",
    "Vink",
    "de Ruiter",
    "Timmermans",
    "Groen",
    "Gerritsen",
    "Jonker",
    "van Loon",
    "Boer",
    "van der Velde",
    "Willemsen",
    "Smeets",
    "de Lange",
    "de Vos",
    "Bosch",
    "van Dongen",
    "Schipper",
    "de Koning",
    "van der Laan",
    "Koning",
    "van der Velden",
    "Driessen",
    "van Doorn",
    "Hermans",
    "Evers",
    "van den Bosch",
    "van der Meulen",
    "Hofman",
    "Bosman",
    "Wouters",
    "Sanders",
    "van der Zande",
    "Zijlstra",
    "Verbeek",
    "van Rijn",
    "Yilmaz",
    "Kaya",
    "Bennani",
    "Lammers",
    "Goossens",
    "Wolters",
    "Claassen",
    "Aalbers",
    "Aarts",
    "Baas",
    "Beekman",
    "Bekker",
    "Berends",
    "Bergsma",
    "Biesheuvel",
    "Blokland",
    "Boersma",
    "Bolhuis",
    "Boom",
    "Boot",
    "Bouma",
    "Bouwman",
    "Brand",
    "Brink",
    "Broekhuizen",
    "Bruins",
    "Buijs",
    "Claessens",
    "Coenen",
    "Cornelissen",
    "Damen",
    "van Dalen",
    "Derksen",
    "Dijkman",
    "Doornbos",
    "Drost",
    "Ebbers",
    "Eijkelboom",
    "Elzinga",
    "Evers",
    "Faber",
    "Fransen",
    "Geerts",
    "Gijsbers",
    "de Goede",
    "Groeneveld",
    "Haak",
    "Hartman",
    "Heemskerk",
    "Hoek",
    "Hoogland",
    "Hoving",
    "Huijbregts",
    "IJzerman",
    "Jager",
    "Jongsma",
    "Kamphuis",
    "Keizer",
    "Klaassen",
    "Klein",
    "Kloosterman",
    "Knol",
    "Koopman",
    "Kooistra",
    "Kroon",
    "Kruijt",
    "Kuijpers",
    "Laan",
    "Lambregts",
    "Langeveld",
    "Leenders",
    "Lubbers",
    "Maassen",
    "Meijers",
    "Molenaar",
    "Mol",
    "Nieuwenhuis",
    "Noordhuis",
    "Oosterhuis",
    "Oost",
    "Ouwehand",
    "Pauw",
    "Pieters",
    "Pool",
    "Reinders",
    "Rietveld",
    "Roos",
    "Rutten",
    "Schaap",
    "Schol",
    "Schuurman",
    "Siebers",
    "Sijbrands",
    "Slot",
    "Spijker",
    "Stam",
    "Steenbergen",
    "Stevens",
    "Terpstra",
    "Tijssen",
    "Tuinstra",
    "Ubbink",
    "Valk",
    "Veldhuis",
    "Verschoor",
    "Vinke",
    "Vogel",
    "Vonk",
    "Vroom",
    "Wagenaar",
    "Westra",
    "Wiersma",
    "Wijnands",
    "Zwart",
    "Zuidema",
    "El Amrani",
    "Öztürk",
    "Çelik",
    "Nguyen",
    "Bouzid",
    "Pinas",
};

uint16_t gen_surname_count(void)
{
    return (uint16_t)(sizeof surnames / sizeof surnames[0]);
}

const char *gen_surname(uint16_t idx)
{
    return surnames[idx];
}

static uint16_t random_surname(struct gen *g)
{
    double u = gen_rng_unit(&g->rng);
    uint32_t lo = 0, hi = gen_surname_count() - 1;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (g->surname_cdf[mid] <= u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (uint16_t)lo;
}

static const char *const region_names[] = {
    "Noord-Nederland", "Oost-Nederland", "Midden-Nederland",     "Noord-Holland", "Amsterdam",
    "Den Haag",        "Rotterdam",      "Zeeland-West-Brabant", "Oost-Brabant",  "Limburg"};
enum { NREGION_NAMES = sizeof region_names / sizeof region_names[0] };

static void format_region(uint32_t region, char out[48])
{
    if (region < NREGION_NAMES)
        snprintf(out, 48, "%s", region_names[region]);
    else
        snprintf(out, 48, "%s-%u", region_names[region % NREGION_NAMES],
                 region / NREGION_NAMES + 1);
}

static void format_unit(const struct gen *g, uint32_t unit, char out[16])
{
    if (g->units[unit].vik)
        snprintf(out, 16, "VIK");
    else
        snprintf(out, 16, "UNIT-%02u", unit + 1);
}

/* ---- ids ---------------------------------------------------------------------------- */

/* Postcode letters skip the ones Dutch postcodes avoid for readability. */
static const char pc_letters[] = "ABCEGHJKLMNPRTVWXZ";
enum { PC_LETTERS = sizeof pc_letters - 1 };

void gen_format_postcode(uint32_t postcode, char out[8])
{
    /* Eight postcodes share a number, so numbers spread over 1000-9999 at every size;
     * the quotient beyond 9000 numbers moves on to further letter pairs. */
    uint32_t q = postcode / 8;
    uint32_t pair = (postcode % 8 + 8 * (q / 9000)) % (PC_LETTERS * PC_LETTERS);
    snprintf(out, 8, "%04u%c%c", 1000 + q % 9000, pc_letters[pair / PC_LETTERS],
             pc_letters[pair % PC_LETTERS]);
}

void gen_format_plate(uint32_t vehicle, char out[16])
{
    /* A bijection of the index (7919 is coprime with 10 * 26^3 * 10), so plates are
     * unique and do not look sequential. */
    static const char letters[] = "BDFGHJKLNPRSTVXZ";
    uint64_t v = ((uint64_t)vehicle * 7919u) % (100u * 4096u * 10u);
    unsigned d2 = (unsigned)(v % 100), rest = (unsigned)(v / 100);
    unsigned l = rest % 4096, d1 = rest / 4096;
    snprintf(out, 16, "%02u-%c%c%c-%u", d2, letters[l >> 8], letters[(l >> 4) & 15],
             letters[l & 15], d1);
}

void gen_format_user(uint32_t emp, char out[16])
{
    snprintf(out, 16, "U%06u", emp + 1001);
}

void gen_format_case(const struct gen *g, uint8_t case_kind, uint32_t case_num, char out[32])
{
    switch (case_kind) {
    case CK_INV: {
        const struct gen_case *c = &g->cases[case_num];
        int y;
        unsigned m, d;
        civil_from_days(c->opened, &y, &m, &d);
        snprintf(out, 32, "%04d-BVH-%06u", y, c->number);
        break;
    }
    case CK_INC:
        snprintf(out, 32, "GMS-25-%06u", case_num);
        break;
    case CK_FAKE_INV:
        snprintf(out, 32, "2025-BVH-%06u", case_num);
        break;
    case CK_FAKE_INC:
        snprintf(out, 32, "GMS-24-%06u", case_num);
        break;
    default:
        out[0] = '\0';
    }
}

void gen_format_ref(const struct gen *g, uint32_t ref, char out[32])
{
    uint32_t idx = gen_ref_index(ref);
    switch (gen_ref_type(ref)) {
    case REF_PERSON:
        snprintf(out, 32, "P%08u", idx + 1);
        break;
    case REF_VEHICLE:
        gen_format_plate(idx, out);
        break;
    case REF_ADDRESS:
        snprintf(out, 32, "A%08u", idx + 1);
        break;
    default:
        if (idx & REF_INCIDENT_BIT)
            gen_format_case(g, CK_INC, idx & ~REF_INCIDENT_BIT, out);
        else
            gen_format_case(g, CK_INV, idx, out);
    }
}

size_t gen_person_vehicles(const struct gen *g, uint32_t person, uint32_t *out, size_t max)
{
    const struct gen_household *h = &g->households[g->persons[person].household];
    size_t n = 0;
    for (uint32_t v = h->first_vehicle; v < h->first_vehicle + h->nvehicles && n < max; v++)
        if (g->vehicle_keeper[v] == person)
            out[n++] = v;
    return n;
}

/* ---- time --------------------------------------------------------------------------- */

int64_t gen_local_to_utc(struct gen *g, int32_t day, int32_t minute)
{
    int64_t local_s = (int64_t)day * 86400 + (int64_t)minute * 60;
    int32_t off = tz_offset(g->tz, (local_s - 3600) * 1000);
    int64_t utc_s = local_s - off;
    int32_t off2 = tz_offset(g->tz, utc_s * 1000);
    if (off2 != off)
        utc_s = local_s - off2;
    return utc_s * 1000;
}

/* ---- population --------------------------------------------------------------------- */

static uint32_t add_person(struct gen *g, uint32_t household, uint16_t surname, int by)
{
    g->persons = xgrow(g->persons, &g->cap_persons, g->npersons + 1, sizeof *g->persons);
    struct gen_person *p = &g->persons[g->npersons];
    p->household = household;
    p->surname = surname;
    p->birth_year = (uint16_t)(by > 2024 ? 2024 : by);
    p->flags = 0;
    return (uint32_t)g->npersons++;
}

static void build_region(struct gen *g, uint32_t region, uint32_t target_persons)
{
    struct gen_region *r = &g->regions[region];
    r->pc_lo = g->npostcodes;
    r->hh_lo = (uint32_t)g->nhouseholds;
    r->p_lo = (uint32_t)g->npersons;
    r->v_lo = (uint32_t)g->nvehicles;
    uint32_t made = 0;
    while (made < target_persons) {
        uint32_t pc = g->npostcodes++;
        g->postcode_region = xrealloc(g->postcode_region, g->npostcodes * sizeof(uint16_t));
        g->postcode_region[pc] = (uint16_t)region;
        int nh = gen_rng_range(&g->rng, 15, 25);
        int number = gen_rng_range(&g->rng, 1, 40);
        for (int k = 0; k < nh; k++) {
            g->households =
                xgrow(g->households, &g->cap_households, g->nhouseholds + 1, sizeof *g->households);
            uint32_t hi = (uint32_t)g->nhouseholds++;
            struct gen_household h = {0};
            h.postcode = pc;
            h.number = (uint16_t)number;
            number += gen_rng_range(&g->rng, 1, 3);
            double u = gen_rng_unit(&g->rng);
            int size = u < 0.34 ? 1 : u < 0.66 ? 2 : u < 0.80 ? 3 : u < 0.94 ? 4 : 5;
            int adults = size == 1 ? 1
                                   : (size == 2 ? (gen_rng_chance(&g->rng, 0.8) ? 2 : 1)
                                                : (gen_rng_chance(&g->rng, 0.88) ? 2 : 1));
            uint16_t family = random_surname(g);
            int by = gen_rng_range(&g->rng, 1942, 2004);
            h.first_person = (uint32_t)g->npersons;
            for (int i = 0; i < size; i++) {
                uint16_t sn = family;
                int pby;
                if (i == 0) {
                    pby = by;
                } else if (i < adults) {
                    pby = by + gen_rng_range(&g->rng, -5, 5);
                    if (gen_rng_chance(&g->rng, 0.45))
                        sn = random_surname(g);
                } else {
                    int lo = by + 20 > 1990 ? by + 20 : 1990;
                    pby = gen_rng_range(&g->rng, lo, lo + 22 > 2024 ? 2024 : lo + 22);
                }
                add_person(g, hi, sn, pby);
            }
            h.npersons = (uint8_t)size;
            h.nadults = (uint8_t)adults;
            h.first_vehicle = (uint32_t)g->nvehicles;
            for (int i = 0; i < adults; i++) {
                int nv = gen_rng_chance(&g->rng, 0.62) + gen_rng_chance(&g->rng, 0.12);
                for (int v = 0; v < nv; v++) {
                    g->vehicle_keeper = xgrow(g->vehicle_keeper, &g->cap_vehicles, g->nvehicles + 1,
                                              sizeof(uint32_t));
                    g->vehicle_keeper[g->nvehicles++] = h.first_person + (uint32_t)i;
                    h.nvehicles++;
                }
            }
            g->households[hi] = h;
            made += (uint32_t)size;
        }
    }
    r->pc_hi = g->npostcodes;
    r->hh_hi = (uint32_t)g->nhouseholds;
    r->p_hi = (uint32_t)g->npersons;
    r->v_hi = (uint32_t)g->nvehicles;
}

/* Everyday traffic draws strangers. A real region holds about a million people, so an
 * employee's random work lookups almost never hit their own family or street; this world
 * is much smaller, so draws that land in an employee's social environment (a claimed
 * household) are redrawn, and so are most that land in a postcode where an employee
 * lives: only the share `street_noise` (0.1) is kept. What is left is a realistic trickle
 * of accidental neighbour hits; --street-noise 1 makes them as common as this small world
 * draws them, to test detection on a noisier street. */
static bool stranger_household(struct gen *g, uint32_t h)
{
    const struct gen_household *hh = &g->households[h];
    if (hh->claimed)
        return false;
    if (g->postcode_home != NULL && g->postcode_home[hh->postcode] &&
        gen_rng_chance(&g->rng, 1.0 - g->opt.street_noise))
        return false;
    return true;
}

uint32_t gen_random_citizen(struct gen *g, uint32_t region)
{
    const struct gen_region *r = &g->regions[region];
    uint32_t p = 0;
    for (int tries = 0; tries < 16; tries++) {
        p = r->p_lo + gen_rng_below(&g->rng, r->p_hi - r->p_lo);
        if (!(g->persons[p].flags & F_EMPLOYEE) && stranger_household(g, g->persons[p].household))
            break;
    }
    return p;
}

uint32_t gen_random_vehicle(struct gen *g, uint32_t region)
{
    const struct gen_region *r = &g->regions[region];
    uint32_t v = 0;
    for (int tries = 0; tries < 16; tries++) {
        v = r->v_lo + gen_rng_below(&g->rng, r->v_hi - r->v_lo);
        uint32_t keeper = g->vehicle_keeper[v];
        if (keeper == GEN_NONE || stranger_household(g, g->persons[keeper].household))
            break;
    }
    return v;
}

uint32_t gen_random_household(struct gen *g, uint32_t region)
{
    const struct gen_region *r = &g->regions[region];
    uint32_t h = 0;
    for (int tries = 0; tries < 16; tries++) {
        h = r->hh_lo + gen_rng_below(&g->rng, r->hh_hi - r->hh_lo);
        if (stranger_household(g, h))
            break;
    }
    return h;
}

/* Claim an unclaimed household of `region` with at least `min_adults` adults (and a
 * vehicle when `need_vehicle`); relaxes the adult count before giving up with GEN_NONE. */
static uint32_t claim_household(struct gen *g, uint32_t region, int min_adults, bool need_vehicle)
{
    const struct gen_region *r = &g->regions[region];
    uint32_t n = r->hh_hi - r->hh_lo;
    uint32_t start = gen_rng_below(&g->rng, n);
    for (int want = min_adults; want >= 1; want--) {
        for (uint32_t k = 0; k < n; k++) {
            /* Random probes first, then a scan: claims stay spread over the region. */
            uint32_t h = k < 48 ? r->hh_lo + gen_rng_below(&g->rng, n) : r->hh_lo + (start + k) % n;
            struct gen_household *hh = &g->households[h];
            if (!hh->claimed && hh->nadults >= want && (!need_vehicle || hh->nvehicles > 0)) {
                hh->claimed = 1;
                return h;
            }
        }
    }
    return GEN_NONE;
}

static void add_family(struct gen_employee *e, uint32_t person)
{
    if (e->nfamily < GEN_MAX_FAMILY)
        e->family[e->nfamily++] = person;
}

/* Make `person` the keeper of their household's first vehicle if they keep none. */
static void ensure_vehicle(struct gen *g, uint32_t person)
{
    uint32_t v;
    if (gen_person_vehicles(g, person, &v, 1) == 1)
        return;
    struct gen_household *h = &g->households[g->persons[person].household];
    if (h->nvehicles > 0)
        g->vehicle_keeper[h->first_vehicle] = person;
}

static void build_social(struct gen *g, uint32_t ei)
{
    struct gen_employee *e = &g->employees[ei];
    uint32_t region = e->region;
    uint32_t h = claim_household(g, region, 1, false);
    if (h == GEN_NONE)
        h = gen_random_household(g, region);
    struct gen_household *hh = &g->households[h];
    if (g->postcode_home == NULL)
        g->postcode_home = xcalloc(g->npostcodes, 1);
    g->postcode_home[hh->postcode] = 1;
    uint16_t surname = random_surname(g);
    e->person = hh->first_person;
    struct gen_person *me = &g->persons[e->person];
    me->flags |= F_EMPLOYEE;
    me->surname = surname;
    me->birth_year = (uint16_t)(e->role == ROLE_STUDENT ? gen_rng_range(&g->rng, 1996, 2006)
                                                        : gen_rng_range(&g->rng, 1962, 2000));
    for (uint32_t p = hh->first_person + 1; p < hh->first_person + hh->npersons; p++) {
        bool adult = p < hh->first_person + hh->nadults;
        if (!adult || gen_rng_chance(&g->rng, 0.5))
            g->persons[p].surname = surname;
        if (adult)
            g->persons[p].birth_year = (uint16_t)(me->birth_year + gen_rng_range(&g->rng, -4, 4));
        else
            g->persons[p].birth_year = (uint16_t)gen_rng_range(
                &g->rng, me->birth_year + 22 > 2024 ? 2024 : me->birth_year + 22, 2024);
        add_family(e, p);
    }
    bool needs_family = e->scenario == SC_RELATIVE || e->scenario == SC_STUDENT_PRACTICE;
    if (needs_family || gen_rng_chance(&g->rng, 0.82)) {
        uint32_t ph = claim_household(g, region, 2, false);
        if (ph != GEN_NONE) {
            struct gen_household *p = &g->households[ph];
            for (uint32_t i = 0; i < p->nadults; i++) {
                uint32_t parent = p->first_person + i;
                if (i == 0 || gen_rng_chance(&g->rng, 0.5))
                    g->persons[parent].surname = surname;
                g->persons[parent].birth_year =
                    (uint16_t)(me->birth_year - gen_rng_range(&g->rng, 24, 36));
                add_family(e, parent);
            }
        }
    }
    int nsiblings = gen_rng_range(&g->rng, 0, 3);
    if (needs_family && nsiblings == 0)
        nsiblings = 1;
    for (int s = 0; s < nsiblings; s++) {
        uint32_t sh = claim_household(g, region, 1, false);
        if (sh == GEN_NONE)
            break;
        uint32_t sib = g->households[sh].first_person;
        if (gen_rng_chance(&g->rng, 0.75))
            g->persons[sib].surname = surname;
        g->persons[sib].birth_year = (uint16_t)(me->birth_year + gen_rng_range(&g->rng, -8, 8));
        add_family(e, sib);
    }
    e->ex_partner = GEN_NONE;
    if (e->scenario == SC_EX_PARTNER || gen_rng_chance(&g->rng, 0.12)) {
        uint32_t xh = claim_household(g, region, 1, true);
        if (xh != GEN_NONE) {
            e->ex_partner = g->households[xh].first_person;
            g->persons[e->ex_partner].birth_year =
                (uint16_t)(me->birth_year + gen_rng_range(&g->rng, -5, 5));
            ensure_vehicle(g, e->ex_partner);
        }
    }
}

static void add_network(struct gen *g, uint32_t region, int size)
{
    const struct gen_region *r = &g->regions[region];
    g->networks = xgrow(g->networks, &g->cap_networks, g->nnetworks + 1, sizeof *g->networks);
    struct gen_network *n = &g->networks[g->nnetworks++];
    n->region = (uint16_t)region;
    n->lo = (uint32_t)g->nnet_members;
    for (int i = 0; i < size; i++) {
        for (int tries = 0; tries < 32; tries++) {
            uint32_t h = gen_random_household(g, region);
            struct gen_household *hh = &g->households[h];
            uint32_t p = hh->first_person + gen_rng_below(&g->rng, hh->nadults);
            if (hh->claimed || (g->persons[p].flags & (F_CRIMINAL | F_EMPLOYEE)))
                continue;
            g->persons[p].flags |= F_CRIMINAL;
            hh->flags |= F_CRIMINAL;
            g->net_members =
                xgrow(g->net_members, &g->cap_net_members, g->nnet_members + 1, sizeof(uint32_t));
            g->net_members[g->nnet_members++] = p;
            break;
        }
    }
    n->hi = (uint32_t)g->nnet_members;
    (void)r;
}

static void flag_random_adults(struct gen *g, uint32_t count, uint8_t flag)
{
    for (uint32_t i = 0; i < count; i++) {
        uint32_t h = gen_rng_below(&g->rng, (uint32_t)g->nhouseholds);
        struct gen_household *hh = &g->households[h];
        uint32_t p = hh->first_person;
        if (hh->claimed || (g->persons[p].flags & (F_EMPLOYEE | F_CRIMINAL | flag))) {
            i--;
            continue;
        }
        g->persons[p].flags |= flag;
    }
}

/* ---- organisation ------------------------------------------------------------------- */

static int role_family(uint8_t role)
{
    switch (role) {
    case ROLE_PATROL:
    case ROLE_STUDENT:
    case ROLE_DISPATCHER:
    case ROLE_INTAKE:
        return 0;
    case ROLE_DETECTIVE:
    case ROLE_INTELLIGENCE:
        return 1;
    default:
        return 2;
    }
}

static int cmp_by_family(const void *a, const void *b)
{
    const struct gen_employee *x = a, *y = b;
    int fx = role_family(x->role), fy = role_family(y->role);
    if (fx != fy)
        return fx < fy ? -1 : 1;
    /* intensity is a random draw: a deterministic, shuffled order inside a family */
    return x->intensity < y->intensity ? -1 : x->intensity > y->intensity;
}

static uint8_t draw_role(struct gen *g, const double *share)
{
    double u = gen_rng_unit(&g->rng), acc = 0;
    for (int r = 0; r < ROLE_COUNT; r++) {
        acc += share[r];
        if (u < acc)
            return (uint8_t)r;
    }
    return ROLE_PATROL;
}

static void build_organisation(struct gen *g)
{
    uint32_t n = g->opt.employees;
    uint32_t nregular = n / 150 < 2 ? 2 : n / 150;
    g->nunits = nregular + 1;
    g->nregions = nregular;
    g->units = xcalloc(g->nunits, sizeof *g->units);
    g->regions = xcalloc(g->nregions, sizeof *g->regions);
    g->employees = xcalloc(n, sizeof *g->employees);
    g->nemployees = n;

    double share[ROLE_COUNT] = {0};
    share[ROLE_PATROL] = 0.40 + 0.10 * gen_rng_unit(&g->rng);
    share[ROLE_DETECTIVE] = 0.12 + 0.06 * gen_rng_unit(&g->rng);
    share[ROLE_INTAKE] = 0.06 + 0.04 * gen_rng_unit(&g->rng);
    share[ROLE_DISPATCHER] = 0.045 + 0.03 * gen_rng_unit(&g->rng);
    share[ROLE_INTELLIGENCE] = 0.035 + 0.03 * gen_rng_unit(&g->rng);
    share[ROLE_STUDENT] = 0.06 + 0.04 * gen_rng_unit(&g->rng);
    share[ROLE_STAFF] = 0.06 + 0.02 * gen_rng_unit(&g->rng);
    share[ROLE_IT] = 0.02 + 0.02 * gen_rng_unit(&g->rng);
    double total = 0;
    for (int r = 0; r < ROLE_COUNT; r++)
        total += share[r];
    for (int r = 0; r < ROLE_COUNT; r++)
        share[r] /= total;

    uint32_t nintegrity = (uint32_t)lround(0.015 * n);
    if (nintegrity < 2)
        nintegrity = 2;
    uint32_t rest = n - nintegrity;
    /* Unit sizes vary by up to +-20% around the mean; the last unit takes the remainder. */
    uint32_t next = 0;
    for (uint32_t u = 0; u < g->nunits; u++) {
        struct gen_unit *unit = &g->units[u];
        unit->vik = u == nregular;
        unit->region = (uint16_t)(unit->vik ? 0 : u);
        uint32_t size;
        if (unit->vik)
            size = nintegrity;
        else if (u == nregular - 1)
            size = rest - next;
        else
            size = (uint32_t)((double)rest / nregular * (0.8 + 0.4 * gen_rng_unit(&g->rng)));
        if (!unit->vik && next + size > rest)
            size = rest - next;
        unit->emp_lo = next;
        unit->emp_hi = next + size;
        for (uint32_t i = unit->emp_lo; i < unit->emp_hi; i++) {
            struct gen_employee *e = &g->employees[i];
            e->unit = (uint16_t)u;
            e->role = unit->vik ? ROLE_INTEGRITY : draw_role(g, share);
            e->region = unit->vik ? (uint16_t)gen_rng_below(&g->rng, nregular) : (uint16_t)u;
            e->intensity = 0.6 + 0.9 * gen_rng_unit(&g->rng);
            e->noise = 0.01 + 0.04 * gen_rng_unit(&g->rng);
            e->start_day = g->day0 - gen_rng_range(&g->rng, 60, 12000);
            e->end_day = GEN_NEVER;
        }
        /* Every regular unit has at least a dispatcher and a detective. */
        if (!unit->vik && size >= 4) {
            g->employees[unit->emp_lo].role = ROLE_DISPATCHER;
            g->employees[unit->emp_lo + 1].role = ROLE_DETECTIVE;
        }
        qsort(g->employees + unit->emp_lo, size, sizeof *g->employees, cmp_by_family);
        uint32_t team = 0;
        for (uint32_t i = unit->emp_lo; i < unit->emp_hi;) {
            uint32_t len = (uint32_t)gen_rng_range(&g->rng, 15, 25);
            for (uint32_t k = 0; k < len && i < unit->emp_hi; k++, i++)
                g->employees[i].team = (uint16_t)team;
            team++;
        }
        g->nteams += team;
        next += size;
    }
    /* Starters mid-period and leavers (end date inside or just after the period). */
    for (uint32_t i = 0; i < n; i++) {
        struct gen_employee *e = &g->employees[i];
        if (e->role == ROLE_STUDENT)
            e->start_day = g->day0 - gen_rng_range(&g->rng, 30, 700);
        if (gen_rng_chance(&g->rng, 0.01) && g->ndays > 21)
            e->start_day = g->day0 + gen_rng_range(&g->rng, 7, g->ndays - 14);
        else if (gen_rng_chance(&g->rng, 0.03)) {
            e->end_day = g->day0 + gen_rng_range(&g->rng, 14, g->ndays + 30);
            e->leaver = true;
        }
    }
}

/* ---- rosters ------------------------------------------------------------------------ */

static bool shift_role(uint8_t role)
{
    return role == ROLE_PATROL || role == ROLE_DISPATCHER || role == ROLE_INTAKE ||
           role == ROLE_STUDENT;
}

static void build_plans(struct gen *g)
{
    g->plans = xcalloc((size_t)g->nemployees * g->ndays, sizeof *g->plans);
    static const int8_t cycle[10] = {1, 1, 2, 2, 3, 3, 0, 0, 0, 0}; /* early late night off */
    for (uint32_t i = 0; i < g->nemployees; i++) {
        struct gen_employee *e = &g->employees[i];
        struct gen_plan *p = &g->plans[(size_t)i * g->ndays];
        int phase = gen_rng_range(&g->rng, 0, 9);
        int shift_offset = (e->team % 3) * 30 - 60;
        int office_start = gen_rng_range(&g->rng, 450, 570);
        int office_len = gen_rng_range(&g->rng, 480, 540);
        int free_weekday = gen_rng_chance(&g->rng, 0.12) ? gen_rng_range(&g->rng, 1, 5) : -1;
        for (int32_t d = 0; d < g->ndays; d++) {
            int32_t day = g->day0 + d;
            int wday = (int)(((day % 7) + 11) % 7);
            if (day < e->start_day || day > e->end_day)
                continue;
            if (shift_role(e->role)) {
                int c = cycle[(d + phase) % 10];
                if (c == 0)
                    continue;
                if (c == 3 && e->role == ROLE_INTAKE)
                    c = 2;
                int start = c == 1 ? 420 : c == 2 ? 900 : 1380;
                p[d] = (struct gen_plan){PLAN_SHIFT, (int16_t)(start + shift_offset), 480};
                if (e->role == ROLE_STUDENT && c != 3 && gen_rng_chance(&g->rng, 0.3))
                    p[d] = (struct gen_plan){PLAN_TRAINING, 540, 480};
            } else {
                bool works = wday >= 1 && wday <= 5 && wday != free_weekday;
                if (!works && !gen_rng_chance(&g->rng, 0.04))
                    continue;
                int start = office_start + gen_rng_range(&g->rng, -30, 30);
                p[d] = (struct gen_plan){PLAN_SHIFT, (int16_t)start,
                                         (int16_t)(office_len + gen_rng_range(&g->rng, -30, 30))};
            }
            if (e->role != ROLE_STUDENT && gen_rng_chance(&g->rng, 0.03))
                p[d] = (struct gen_plan){PLAN_TRAINING, 540, 480};
        }
        /* Leave: most take one block of 1-2 weeks, some a second, shorter one. */
        int nleave = gen_rng_chance(&g->rng, 0.7) + gen_rng_chance(&g->rng, 0.2);
        if (e->scenario == SC_OFF_DUTY && nleave == 0)
            nleave = 1;
        for (int l = 0; l < nleave; l++) {
            int len = l == 0 ? gen_rng_range(&g->rng, 7, 14) : gen_rng_range(&g->rng, 4, 7);
            if (len >= g->ndays)
                len = g->ndays / 2;
            int from = gen_rng_range(&g->rng, 0, g->ndays - len);
            for (int d = from; d < from + len; d++)
                if (g->day0 + d >= e->start_day && g->day0 + d <= e->end_day)
                    p[d] = (struct gen_plan){PLAN_LEAVE, 0, 1440};
        }
        for (int32_t d = 0; d < g->ndays; d++) {
            if (p[d].kind == PLAN_SHIFT && gen_rng_chance(&g->rng, 0.012)) {
                int len = gen_rng_range(&g->rng, 1, 4);
                for (int32_t k = d; k < d + len && k < g->ndays; k++)
                    if (p[k].kind != PLAN_OFF || k == d)
                        p[k] = (struct gen_plan){PLAN_SICK, 0, 1440};
                d += len;
            }
        }
    }
}

/* ---- cases -------------------------------------------------------------------------- */

static uint32_t new_case(struct gen *g, uint32_t unit, uint8_t type, int32_t opened)
{
    g->cases = xgrow(g->cases, &g->cap_cases, g->ncases + 1, sizeof *g->cases);
    struct gen_case *c = &g->cases[g->ncases];
    memset(c, 0, sizeof *c);
    c->number = g->next_case_number;
    g->next_case_number += (uint32_t)gen_rng_range(&g->rng, 1, 29);
    c->unit = (uint16_t)unit;
    c->type = type;
    c->opened = opened;
    c->closed = GEN_NEVER;
    c->subj_lo = c->subj_hi = (uint32_t)g->ncase_subjects;
    c->mem_lo = c->mem_hi = (uint32_t)g->ncase_members;
    return (uint32_t)g->ncases++;
}

/* Subjects and members are appended to the newest case only. */
static void case_add_subject(struct gen *g, uint32_t ci, uint32_t ref)
{
    struct gen_case *c = &g->cases[ci];
    for (uint32_t k = c->subj_lo; k < c->subj_hi; k++)
        if (g->case_subjects[k] == ref)
            return;
    g->case_subjects =
        xgrow(g->case_subjects, &g->cap_case_subjects, g->ncase_subjects + 1, sizeof(uint32_t));
    g->case_subjects[g->ncase_subjects++] = ref;
    c->subj_hi = (uint32_t)g->ncase_subjects;
}

static void case_add_member(struct gen *g, uint32_t ci, uint32_t emp)
{
    struct gen_case *c = &g->cases[ci];
    for (uint32_t k = c->mem_lo; k < c->mem_hi; k++)
        if (g->case_members[k] == emp)
            return;
    g->case_members =
        xgrow(g->case_members, &g->cap_case_members, g->ncase_members + 1, sizeof(uint32_t));
    g->case_members[g->ncase_members++] = emp;
    c->mem_hi = (uint32_t)g->ncase_members;
}

static void add_person_with_things(struct gen *g, uint32_t ci, uint32_t person)
{
    case_add_subject(g, ci, gen_ref(REF_PERSON, person));
    if (gen_rng_chance(&g->rng, 0.4))
        case_add_subject(g, ci, gen_ref(REF_ADDRESS, g->persons[person].household));
    uint32_t v;
    if (gen_rng_chance(&g->rng, 0.5) && gen_person_vehicles(g, person, &v, 1) == 1)
        case_add_subject(g, ci, gen_ref(REF_VEHICLE, v));
}

/* Employees of `unit` with role `role`, picked at random; GEN_NONE when there are none. */
static uint32_t random_member(struct gen *g, uint32_t unit, int role)
{
    const struct gen_unit *u = &g->units[unit];
    uint32_t n = u->emp_hi - u->emp_lo;
    if (n == 0)
        return GEN_NONE;
    uint32_t start = gen_rng_below(&g->rng, n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t e = u->emp_lo + (start + k) % n;
        if (role < 0 || g->employees[e].role == role)
            return e;
    }
    return GEN_NONE;
}

static void build_cases(struct gen *g)
{
    g->next_case_number = 100000 + gen_rng_below(&g->rng, 200000);
    for (uint32_t u = 0; u < g->nunits; u++) {
        struct gen_unit *unit = &g->units[u];
        unit->case_lo = (uint32_t)g->ncases;
        if (unit->vik) {
            unit->case_hi = unit->case_lo;
            continue;
        }
        uint32_t ndet = 0, nint = 0;
        for (uint32_t e = unit->emp_lo; e < unit->emp_hi; e++) {
            ndet += g->employees[e].role == ROLE_DETECTIVE;
            nint += g->employees[e].role == ROLE_INTELLIGENCE;
        }
        uint32_t ncases = (uint32_t)(ndet * 1.3 + nint * 0.5) + 3;
        const struct gen_region *r = &g->regions[unit->region];
        for (uint32_t k = 0; k < ncases; k++) {
            int32_t opened = gen_rng_chance(&g->rng, 0.7)
                                 ? g->day0 - gen_rng_range(&g->rng, 1, 200)
                                 : g->day0 + gen_rng_range(&g->rng, 0, g->ndays - 1);
            uint32_t ci = new_case(g, u, CASE_INVESTIGATION, opened);
            struct gen_case *c = &g->cases[ci];
            if (gen_rng_chance(&g->rng, 0.25))
                c->closed = opened + gen_rng_range(&g->rng, 20, 150);
            c->high = gen_rng_chance(&g->rng, 0.1);
            bool network = r->net_hi > r->net_lo && gen_rng_chance(&g->rng, 0.3);
            if (network) {
                const struct gen_network *net =
                    &g->networks[r->net_lo + gen_rng_below(&g->rng, r->net_hi - r->net_lo)];
                int ns = gen_rng_range(&g->rng, 3, 10);
                for (int s = 0; s < ns; s++)
                    add_person_with_things(
                        g, ci, g->net_members[net->lo + gen_rng_below(&g->rng, net->hi - net->lo)]);
            } else {
                int ns = gen_rng_range(&g->rng, 2, 7);
                for (int s = 0; s < ns; s++)
                    add_person_with_things(g, ci, gen_random_citizen(g, unit->region));
                if (gen_rng_chance(&g->rng, 0.3))
                    case_add_subject(g, ci,
                                     gen_ref(REF_VEHICLE, gen_random_vehicle(g, unit->region)));
            }
            int nm = gen_rng_range(&g->rng, 1, 4);
            for (int m = 0; m < nm; m++) {
                uint32_t e = random_member(g, u, ROLE_DETECTIVE);
                if (e != GEN_NONE)
                    case_add_member(g, ci, e);
            }
            if (network || gen_rng_chance(&g->rng, 0.2)) {
                uint32_t e = random_member(g, u, ROLE_INTELLIGENCE);
                if (e != GEN_NONE)
                    case_add_member(g, ci, e);
            }
        }
        unit->case_hi = (uint32_t)g->ncases;
    }
    /* Integrity cases: VIK investigates colleagues. */
    uint32_t vik = g->nunits - 1;
    uint32_t nint = g->nemployees / 250 + 1;
    for (uint32_t k = 0; k < nint; k++) {
        int32_t opened = g->day0 + gen_rng_range(&g->rng, -60, g->ndays / 2);
        uint32_t ci = new_case(g, vik, CASE_INTEGRITY, opened);
        g->cases[ci].high = 1;
        int ns = gen_rng_range(&g->rng, 1, 2);
        for (int s = 0; s < ns; s++) {
            uint32_t e = gen_rng_below(&g->rng, g->nemployees);
            if (g->employees[e].role == ROLE_INTEGRITY)
                continue;
            case_add_subject(g, ci, gen_ref(REF_PERSON, g->employees[e].person));
            if (gen_rng_chance(&g->rng, 0.3) && g->employees[e].nfamily > 0)
                case_add_subject(g, ci, gen_ref(REF_PERSON, g->employees[e].family[0]));
        }
        int nm = gen_rng_range(&g->rng, 1, 3);
        for (int m = 0; m < nm; m++)
            case_add_member(g, ci, random_member(g, vik, ROLE_INTEGRITY));
    }
    /* Persons in the news: a high-sensitivity case whose team looks them up heavily. */
    g->nnews = (size_t)gen_rng_range(&g->rng, 2, 4);
    g->news = xcalloc(g->nnews, sizeof *g->news);
    for (size_t k = 0; k < g->nnews; k++) {
        struct gen_news *nw = &g->news[k];
        uint32_t vip;
        do {
            vip = gen_rng_below(&g->rng, (uint32_t)g->npersons);
        } while (!(g->persons[vip].flags & F_VIP));
        uint32_t region = g->postcode_region[g->households[g->persons[vip].household].postcode];
        int len = gen_rng_range(&g->rng, 3, 7);
        int lo = g->ndays > 20 ? 5 + (int)(k * (size_t)(g->ndays - 15) / g->nnews) : 1;
        nw->vip = vip;
        nw->day_lo = g->day0 + lo + gen_rng_range(&g->rng, 0, 3);
        nw->day_hi = nw->day_lo + len - 1;
        uint32_t ci = new_case(g, region, CASE_NEWS, nw->day_lo - gen_rng_range(&g->rng, 0, 2));
        nw->case_idx = ci;
        g->cases[ci].high = 1;
        case_add_subject(g, ci, gen_ref(REF_PERSON, vip));
        add_person_with_things(g, ci, gen_random_citizen(g, region));
        int nm = gen_rng_range(&g->rng, 3, 8);
        for (int m = 0; m < nm; m++) {
            uint32_t e = random_member(
                g, region, gen_rng_chance(&g->rng, 0.8) ? ROLE_DETECTIVE : ROLE_INTELLIGENCE);
            if (e != GEN_NONE)
                case_add_member(g, ci, e);
        }
    }
    /* The cases of each employee, as a CSR slice. */
    uint32_t *count = xcalloc(g->nemployees + 1, sizeof(uint32_t));
    for (size_t m = 0; m < g->ncase_members; m++)
        count[g->case_members[m] + 1]++;
    for (uint32_t e = 0; e < g->nemployees; e++)
        count[e + 1] += count[e];
    g->emp_cases = xmalloc((g->ncase_members + 1) * sizeof(uint32_t));
    uint32_t *fill = xmalloc((g->nemployees + 1) * sizeof(uint32_t));
    memcpy(fill, count, (g->nemployees + 1) * sizeof(uint32_t));
    for (size_t ci = 0; ci < g->ncases; ci++)
        for (uint32_t m = g->cases[ci].mem_lo; m < g->cases[ci].mem_hi; m++)
            g->emp_cases[fill[g->case_members[m]]++] = (uint32_t)ci;
    for (uint32_t e = 0; e < g->nemployees; e++) {
        g->employees[e].case_lo = count[e];
        g->employees[e].case_hi = count[e + 1];
    }
    free(count);
    free(fill);
}

/* ---- build -------------------------------------------------------------------------- */

void gen_world_build(struct gen *g)
{
    uint16_t ns = gen_surname_count();
    g->surname_cdf = xmalloc(ns * sizeof(double));
    double s = 0.85 + 0.3 * gen_rng_unit(&g->rng), total = 0;
    for (uint16_t i = 0; i < ns; i++)
        total += g->surname_cdf[i] = 1.0 / pow(i + 1.5, s);
    double acc = 0;
    for (uint16_t i = 0; i < ns; i++) {
        acc += g->surname_cdf[i] / total;
        g->surname_cdf[i] = acc;
    }
    g->surname_cdf[ns - 1] = 1.0;

    build_organisation(g);
    gen_misuse_choose_actors(g);

    uint32_t persons = g->opt.employees * 60 > 20000 ? g->opt.employees * 60 : 20000;
    for (uint32_t r = 0; r < g->nregions; r++)
        build_region(g, r,
                     (uint32_t)(persons / g->nregions * (0.85 + 0.3 * gen_rng_unit(&g->rng))));
    for (uint32_t e = 0; e < g->nemployees; e++)
        build_social(g, e);

    double crim = 0.012 + 0.006 * gen_rng_unit(&g->rng);
    for (uint32_t r = 0; r < g->nregions; r++) {
        struct gen_region *reg = &g->regions[r];
        reg->net_lo = (uint32_t)g->nnetworks;
        uint32_t target = (uint32_t)(crim * (reg->p_hi - reg->p_lo)), made = 0;
        while (made < target) {
            int size = gen_rng_range(&g->rng, 5, 30);
            add_network(g, r, size);
            made += (uint32_t)size;
        }
        reg->net_hi = (uint32_t)g->nnetworks;
    }
    uint32_t nvip = (uint32_t)(g->npersons / 2000);
    flag_random_adults(g, nvip < 10 ? 10 : nvip, F_VIP);
    uint32_t nshield = (uint32_t)(g->npersons / 1000);
    flag_random_adults(g, nshield < 5 ? 5 : nshield, F_SHIELDED);

    build_plans(g);
    build_cases(g);
}

/* ---- writing ------------------------------------------------------------------------ */

/* Write one CSV field per RFC 4180: quoted when it holds a comma, quote or line break. */
static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s != '\0'; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static FILE *open_out(const char *dir, const char *name, struct err *e)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        err_set(e, "%s: cannot create: %s", path, strerror(errno));
    else
        setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

static int close_out(FILE *f, const char *name, struct err *e)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return err_set(e, "%s: write failed", name);
    return 0;
}

static void write_flags(FILE *f, uint8_t flags)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } names[] = {{F_VIP, "vip"},
                 {F_CRIMINAL, "criminal"},
                 {F_SHIELDED, "shielded"},
                 {F_MINOR, "minor"},
                 {F_EMPLOYEE, "employee"}};
    bool first = true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (flags & names[i].bit) {
            if (!first)
                fputc('|', f);
            fputs(names[i].name, f);
            first = false;
        }
    }
}

static void write_subject_tail(struct gen *g, FILE *f, uint32_t person, uint32_t household,
                               bool with_year, uint8_t flags)
{
    const struct gen_household *h = &g->households[household];
    char pc[8], region[48];
    gen_format_postcode(h->postcode, pc);
    format_region(g->postcode_region[h->postcode], region);
    fputc(',', f);
    csv_field(f, gen_surname(g->persons[person].surname));
    fprintf(f, ",%s,%u,", pc, h->number);
    if (with_year)
        fprintf(f, "%u", g->persons[person].birth_year);
    fputc(',', f);
    csv_field(f, region);
    fputc(',', f);
    write_flags(f, flags);
    fputc('\n', f);
}

static int write_subjects(struct gen *g, const char *dir, struct err *e)
{
    FILE *f = open_out(dir, "subjects.csv", e);
    if (f == NULL)
        return -1;
    fputs("subject,subject_type,surname,postcode,house_number,birth_year,region,flags\n", f);
    char id[32];
    for (uint32_t p = 0; p < g->npersons; p++) {
        uint8_t flags = g->persons[p].flags | (g->persons[p].birth_year >= 2008 ? F_MINOR : 0);
        gen_format_ref(g, gen_ref(REF_PERSON, p), id);
        fprintf(f, "%s,person", id);
        write_subject_tail(g, f, p, g->persons[p].household, true, flags);
    }
    for (uint32_t v = 0; v < g->nvehicles; v++) {
        uint32_t keeper = g->vehicle_keeper[v];
        gen_format_plate(v, id);
        fprintf(f, "%s,vehicle", id);
        write_subject_tail(g, f, keeper, g->persons[keeper].household, false,
                           g->persons[keeper].flags & F_CRIMINAL);
    }
    for (uint32_t h = 0; h < g->nhouseholds; h++) {
        gen_format_ref(g, gen_ref(REF_ADDRESS, h), id);
        fprintf(f, "%s,address", id);
        write_subject_tail(g, f, g->households[h].first_person, h, false,
                           g->households[h].flags & F_CRIMINAL);
    }
    return close_out(f, "subjects.csv", e);
}

static int write_org(struct gen *g, const char *dir, struct err *e)
{
    FILE *f = open_out(dir, "units.csv", e);
    if (f == NULL)
        return -1;
    char unit[16], region[48], user[16], date[16], pid[32], pc[8];
    /* `name` is not in the contract: it exercises "unknown columns are ignored" and,
     * holding a comma, RFC 4180 quoting. */
    fputs("unit,region,name\n", f);
    for (uint32_t u = 0; u < g->nunits; u++) {
        format_unit(g, u, unit);
        if (g->units[u].vik)
            snprintf(region, sizeof region, "Landelijk");
        else
            format_region(g->units[u].region, region);
        fprintf(f, "%s,", unit);
        csv_field(f, region);
        fprintf(f, ",\"Eenheid %s, district %u\"\n", region, u + 1);
    }
    if (close_out(f, "units.csv", e) != 0)
        return -1;

    if ((f = open_out(dir, "employees.csv", e)) == NULL)
        return -1;
    fputs("user,person,unit,team,role,surname,postcode,house_number,start_date,end_date,grade\n",
          f);
    for (uint32_t i = 0; i < g->nemployees; i++) {
        const struct gen_employee *em = &g->employees[i];
        const struct gen_household *h = &g->households[g->persons[em->person].household];
        gen_format_user(i, user);
        format_unit(g, em->unit, unit);
        gen_format_ref(g, gen_ref(REF_PERSON, em->person), pid);
        gen_format_postcode(h->postcode, pc);
        date_format(em->start_day, date);
        fprintf(f, "%s,%s,%s,%s-T%02u,%s,", user, pid, unit, unit, em->team + 1,
                gen_role_names[em->role]);
        csv_field(f, gen_surname(g->persons[em->person].surname));
        fprintf(f, ",%s,%u,%s,", pc, h->number, date);
        if (em->end_day != GEN_NEVER) {
            date_format(em->end_day, date);
            fputs(date, f);
        }
        fprintf(f, ",schaal %u\n", 6 + (i * 7u) % 6);
    }
    if (close_out(f, "employees.csv", e) != 0)
        return -1;

    if ((f = open_out(dir, "schedule.csv", e)) == NULL)
        return -1;
    fputs("user,start,end,kind\n", f);
    static const char *const kinds[] = {"", "shift", "leave", "sick", "training"};
    for (uint32_t i = 0; i < g->nemployees; i++) {
        gen_format_user(i, user);
        const struct gen_plan *p = &g->plans[(size_t)i * g->ndays];
        for (int32_t d = 0; d < g->ndays; d++) {
            if (p[d].kind == PLAN_OFF)
                continue;
            int64_t start = gen_local_to_utc(g, g->day0 + d, p[d].start_min), end;
            int32_t last = d;
            if (p[d].kind == PLAN_LEAVE || p[d].kind == PLAN_SICK) {
                while (last + 1 < g->ndays && p[last + 1].kind == p[d].kind)
                    last++;
                end = gen_local_to_utc(g, g->day0 + last + 1, 0);
            } else {
                end = start + (int64_t)p[d].dur_min * 60000;
            }
            char a[32], b[32];
            ts_format(g->tz, start, a);
            ts_format(g->tz, end, b);
            fprintf(f, "%s,%s,%s,%s\n", user, a, b, kinds[p[d].kind]);
            d = last;
        }
    }
    if (close_out(f, "schedule.csv", e) != 0)
        return -1;

    if (!g->opt.relations)
        return 0;
    if ((f = open_out(dir, "relations.csv", e)) == NULL)
        return -1;
    /* `relation` says what person_b is to person_a. */
    fputs("person_a,person_b,relation\n", f);
    char a[32], b[32];
    for (uint32_t h = 0; h < g->nhouseholds; h++) {
        const struct gen_household *hh = &g->households[h];
        gen_format_ref(g, gen_ref(REF_PERSON, hh->first_person), a);
        for (uint32_t p = hh->first_person + 1; p < hh->first_person + hh->npersons; p++) {
            gen_format_ref(g, gen_ref(REF_PERSON, p), b);
            const char *rel =
                p < hh->first_person + hh->nadults
                    ? "partner"
                    : (g->persons[p].surname == g->persons[hh->first_person].surname ? "child"
                                                                                     : "household");
            fprintf(f, "%s,%s,%s\n", a, b, rel);
        }
    }
    for (uint32_t i = 0; i < g->nemployees; i++) {
        const struct gen_employee *em = &g->employees[i];
        uint32_t own = g->persons[em->person].household;
        gen_format_ref(g, gen_ref(REF_PERSON, em->person), a);
        for (uint8_t k = 0; k < em->nfamily; k++) {
            uint32_t p = em->family[k];
            if (g->persons[p].household == own)
                continue; /* already written as partner/child/household */
            gen_format_ref(g, gen_ref(REF_PERSON, p), b);
            const struct gen_person *q = &g->persons[p];
            fprintf(f, "%s,%s,%s\n", a, b,
                    q->birth_year + 18 <= g->persons[em->person].birth_year ? "parent" : "sibling");
        }
        if (em->ex_partner != GEN_NONE) {
            gen_format_ref(g, gen_ref(REF_PERSON, em->ex_partner), b);
            fprintf(f, "%s,%s,ex-partner\n", a, b);
        }
    }
    return close_out(f, "relations.csv", e);
}

static void write_case_row(struct gen *g, uint32_t ci)
{
    const struct gen_case *c = &g->cases[ci];
    char num[32], unit[16], opened[16], closed[16] = "";
    gen_format_case(g, CK_INV, ci, num);
    format_unit(g, c->unit, unit);
    date_format(c->opened, opened);
    if (c->closed != GEN_NEVER)
        date_format(c->closed, closed);
    fprintf(g->cases_f, "%s,case,%s,%s,%s,%s,", num, opened, closed, unit,
            c->high ? "high" : "normal");
    static const char *const titles[] = {"Onderzoek \"%s\"", "Zaak %s, fase 2", "Integriteit %s",
                                         "Pers: %s"};
    char title[96];
    snprintf(title, sizeof title, titles[c->type == CASE_INVESTIGATION ? ci % 2u : c->type + 1u],
             gen_surname((uint16_t)(c->number % gen_surname_count())));
    csv_field(g->cases_f, title);
    fputc('\n', g->cases_f);
    char user[16], subj[32];
    for (uint32_t m = c->mem_lo; m < c->mem_hi; m++) {
        gen_format_user(g->case_members[m], user);
        fprintf(g->members_f, "%s,%s\n", num, user);
    }
    for (uint32_t s = c->subj_lo; s < c->subj_hi; s++) {
        gen_format_ref(g, g->case_subjects[s], subj);
        fprintf(g->subjects_f, "%s,%s\n", num, subj);
    }
}

int gen_world_write(struct gen *g, const char *dir, struct err *e)
{
    if (write_subjects(g, dir, e) != 0 || write_org(g, dir, e) != 0)
        return -1;
    g->cases_f = open_out(dir, "cases.csv", e);
    g->members_f = g->cases_f ? open_out(dir, "case_members.csv", e) : NULL;
    g->subjects_f = g->members_f ? open_out(dir, "case_subjects.csv", e) : NULL;
    if (g->subjects_f == NULL)
        return -1;
    /* `title` is an extra column, quoted when it holds quotes or commas. */
    fputs("case,kind,opened,closed,unit,sensitivity,title\n", g->cases_f);
    fputs("case,user\n", g->members_f);
    fputs("case,subject\n", g->subjects_f);
    for (uint32_t ci = 0; ci < g->ncases; ci++)
        write_case_row(g, ci);
    return 0;
}
