/*
 * gen_int.h - private structures of the generator, shared by the files of src/gen/ only.
 *
 * The world is held as flat arrays indexed by small integers (persons, households,
 * vehicles, employees, cases), never as strings: ids are rendered only when a line is
 * written, so every id is a pure function of an index and a duplicate line re-rendered
 * from the same struct is byte-identical.
 *
 * Layout invariants:
 *   - Households are created region by region and postcode by postcode, so each region
 *     owns one contiguous range of postcodes, households, persons and vehicles, and the
 *     households of one postcode are contiguous (neighbours are a range scan).
 *   - A household's persons are contiguous, adults first; its vehicles are contiguous.
 *   - Employees are contiguous per unit and, inside a unit, ordered by role family, so a
 *     team is a contiguous slice.
 *   - A subject reference (ref) packs a type in the top two bits and an index below.
 *
 * Ownership: struct gen owns every array it points to; gen_free releases them all.
 */
#ifndef WACHTER_GEN_INT_H
#define WACHTER_GEN_INT_H

#include "core/core.h"
#include "gen/gen.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define GEN_NONE UINT32_MAX
#define GEN_MAX_FAMILY 12
#define GEN_NEVER INT32_MAX

/* ---- PRNG: xoshiro256** seeded through splitmix64 ----------------------------------- */

struct gen_rng {
    uint64_t s[4];
};

void gen_rng_seed(struct gen_rng *r, uint64_t seed);
uint64_t gen_rng_next(struct gen_rng *r);
/* Uniform in [0, n); n must be > 0. */
uint32_t gen_rng_below(struct gen_rng *r, uint32_t n);
/* Uniform in [0, 1). */
double gen_rng_unit(struct gen_rng *r);
/* Uniform in [lo, hi], both inclusive; lo <= hi. */
int gen_rng_range(struct gen_rng *r, int lo, int hi);
bool gen_rng_chance(struct gen_rng *r, double p);

/* ---- enumerations ------------------------------------------------------------------- */

enum gen_role {
    ROLE_PATROL,
    ROLE_DETECTIVE,
    ROLE_INTAKE,
    ROLE_DISPATCHER,
    ROLE_INTELLIGENCE,
    ROLE_INTEGRITY,
    ROLE_STUDENT,
    ROLE_STAFF,
    ROLE_IT,
    ROLE_COUNT
};

/* Scenario 0 is "not an actor"; the others are the names written to the truth. */
enum gen_scenario {
    SC_NONE,
    SC_RELATIVE,
    SC_EX_PARTNER,
    SC_NEIGHBOUR,
    SC_COLLEAGUE,
    SC_VIP_CURIOSITY,
    SC_CRIMINAL_LEAK,
    SC_BULK_EXPORT,
    SC_OFF_DUTY,
    SC_STUDENT_PRACTICE,
    SC_BOGUS_LEGITIMATION,
    SC_COUNT
};

enum gen_system {
    SYS_BLUEVIEW,
    SYS_BVH,
    SYS_MEOS,
    SYS_BRP,
    SYS_RDW,
    SYS_GMS,
    SYS_SUMMIT,
    SYS_COUNT
};

enum gen_action { ACT_QUERY, ACT_VIEW, ACT_EXPORT, ACT_PRINT, ACT_MODIFY, ACT_LOGIN, ACT_LOGOUT };

/* What a case field of an event holds. */
enum gen_case_kind {
    CK_NONE,     /* field absent */
    CK_EMPTY,    /* "case":"" */
    CK_NULL,     /* "case":null */
    CK_INV,      /* an investigation, case_num = index into g->cases */
    CK_INC,      /* an incident, case_num = incident number */
    CK_FAKE_INV, /* a made-up investigation number, case_num = the number */
    CK_FAKE_INC  /* a made-up incident number */
};

/* Malformed reasons, as written to stats.json. */
enum gen_malformed {
    MF_NONE,
    MF_INVALID_JSON,
    MF_MISSING_FIELD,
    MF_BAD_TIMESTAMP,
    MF_WRONG_TYPE,
    MF_COUNT
};

enum gen_plan_kind { PLAN_OFF, PLAN_SHIFT, PLAN_LEAVE, PLAN_SICK, PLAN_TRAINING };

enum gen_flag { F_VIP = 1, F_CRIMINAL = 2, F_SHIELDED = 4, F_MINOR = 8, F_EMPLOYEE = 16 };

enum gen_query_kind { QK_NONE, QK_WILDCARD, QK_SURNAME, QK_PLATE, QK_POSTCODE, QK_TRICKY };

enum gen_ref_type { REF_PERSON, REF_VEHICLE, REF_ADDRESS, REF_CASE };

#define REF_INCIDENT_BIT (1u << 29)
static inline uint32_t gen_ref(unsigned type, uint32_t idx)
{
    return ((uint32_t)type << 30) | idx;
}
static inline unsigned gen_ref_type(uint32_t ref)
{
    return ref >> 30;
}
static inline uint32_t gen_ref_index(uint32_t ref)
{
    return ref & 0x3fffffffu;
}

extern const char *const gen_role_names[ROLE_COUNT];
extern const char *const gen_scenario_names[SC_COUNT];
extern const char *const gen_system_names[SYS_COUNT];
extern const char *const gen_action_names[];
extern const char *const gen_malformed_names[MF_COUNT];

/* ---- the world ---------------------------------------------------------------------- */

struct gen_person {
    uint32_t household;
    uint16_t surname; /* index into the surname table */
    uint16_t birth_year;
    uint8_t flags; /* enum gen_flag, F_MINOR derived at write time */
};

struct gen_household {
    uint32_t postcode; /* postcode index */
    uint32_t first_person, first_vehicle;
    uint16_t number; /* house number */
    uint8_t npersons, nadults, nvehicles;
    uint8_t claimed; /* already part of some employee's social environment */
    uint8_t flags;
};

struct gen_region {
    uint32_t pc_lo, pc_hi, hh_lo, hh_hi, p_lo, p_hi, v_lo, v_hi;
    uint32_t net_lo, net_hi; /* criminal networks of the region */
};

struct gen_network {
    uint16_t region;
    uint32_t lo, hi; /* slice of g->net_members (person indices) */
};

struct gen_unit {
    uint16_t region;
    bool vik;
    uint32_t emp_lo, emp_hi;
    uint32_t case_lo, case_hi; /* its investigations in g->cases */
};

struct gen_employee {
    uint32_t person;
    uint32_t ex_partner; /* person index or GEN_NONE */
    uint32_t family[GEN_MAX_FAMILY];
    uint8_t nfamily;
    uint16_t unit, team, region;
    uint8_t role, scenario;
    bool bogus;                 /* also types bogus case numbers on some misuse */
    int32_t start_day, end_day; /* employed on [start_day, end_day]; end GEN_NEVER */
    bool leaver;                /* end_date written */
    double intensity, noise;
    uint32_t case_lo, case_hi; /* slice of g->emp_cases */
};

struct gen_plan {
    uint8_t kind;      /* enum gen_plan_kind */
    int16_t start_min; /* local minute of the day the period starts */
    int16_t dur_min;
};

enum gen_case_type { CASE_INVESTIGATION, CASE_INTEGRITY, CASE_NEWS };

struct gen_case {
    uint32_t number;
    int32_t opened, closed; /* days; closed GEN_NEVER while open */
    uint16_t unit;          /* index into g->units */
    uint8_t type, high;
    uint32_t subj_lo, subj_hi; /* slice of g->case_subjects (refs) */
    uint32_t mem_lo, mem_hi;   /* slice of g->case_members (employee indices) */
};

struct gen_news {
    uint32_t vip, case_idx;
    int32_t day_lo, day_hi; /* days in the news, inclusive */
};

/* One event line, as buffered until its file is flushed. */
struct gen_event {
    int64_t key_ms; /* delivery order inside its file (ts, plus jitter for late lines) */
    int64_t ts_ms;
    uint64_t id;
    uint32_t seq; /* tie-break for a deterministic sort */
    uint32_t user, subject, case_num, results;
    uint8_t system, file, action, case_kind, query_kind;
    uint8_t style;     /* bit 0: ts in Z, bit 1: fractional seconds, bits 2-3: extras */
    uint8_t malformed; /* enum gen_malformed */
    uint8_t variant;   /* which malformed form */
};

struct gen_evbuf {
    struct gen_event *ev;
    size_t n, cap;
    FILE *f;
};

/* A planted misuse event, scheduled before the day loop. */
struct gen_planned {
    int32_t day;
    int64_t ts_ms;
    uint32_t user, subject, case_num, results;
    uint8_t system, action, case_kind, query_kind, scenario;
};

struct gen {
    struct gen_options opt;
    struct gen_rng rng;
    struct tz *tz;
    double *surname_cdf; /* Zipf-like cumulative weights over the surname table */
    int32_t day0, ndays;

    uint32_t nregions;
    struct gen_region *regions;
    uint32_t npostcodes;
    uint16_t *postcode_region;
    uint8_t *postcode_home; /* 1 where an employee lives (NULL until the first one) */

    struct gen_person *persons;
    size_t npersons, cap_persons;
    struct gen_household *households;
    size_t nhouseholds, cap_households;
    uint32_t *vehicle_keeper;
    size_t nvehicles, cap_vehicles;

    struct gen_network *networks;
    size_t nnetworks, cap_networks;
    uint32_t *net_members;
    size_t nnet_members, cap_net_members;

    uint32_t nunits;
    struct gen_unit *units;
    uint32_t nemployees;
    struct gen_employee *employees;
    uint32_t nteams;

    struct gen_plan *plans; /* nemployees x ndays */

    struct gen_case *cases;
    size_t ncases, cap_cases;
    uint32_t *case_subjects, *case_members;
    size_t ncase_subjects, cap_case_subjects, ncase_members, cap_case_members;
    uint32_t *emp_cases;
    uint32_t next_case_number, next_incident;

    struct gen_news *news;
    size_t nnews;

    struct gen_planned *planned;
    size_t nplanned, cap_planned;

    /* output state */
    struct gen_evbuf files[SYS_COUNT];
    FILE *cases_f, *members_f, *subjects_f, *truth_events_f;
    uint64_t next_id[SYS_COUNT];
    uint32_t seq;
    uint64_t malformed_planted;
    uint64_t lines, events, duplicates, malformed, malformed_by[MF_COUNT];
    struct sbuf line;
};

/* gen_world.c */
/* Build the organisation, the population, networks, schedules and cases. */
void gen_world_build(struct gen *g);
/* Write every reference CSV of the dataset except the incident rows that the day loop
 * appends; leaves cases_f, members_f, subjects_f open for appending. Returns 0 or -1. */
int gen_world_write(struct gen *g, const char *dataset_dir, struct err *e);
/* Local midnight of `day` as UTC milliseconds, and local day+minute to UTC ms. */
int64_t gen_local_to_utc(struct gen *g, int32_t day, int32_t minute);
uint16_t gen_surname_count(void);
const char *gen_surname(uint16_t idx);
/* A random person of `region` who is not a police employee. */
uint32_t gen_random_citizen(struct gen *g, uint32_t region);
/* A random vehicle / household of `region`. */
uint32_t gen_random_vehicle(struct gen *g, uint32_t region);
uint32_t gen_random_household(struct gen *g, uint32_t region);
void gen_format_plate(uint32_t vehicle, char out[16]);
void gen_format_postcode(uint32_t postcode, char out[8]);
void gen_format_case(const struct gen *g, uint8_t case_kind, uint32_t case_num, char out[32]);
void gen_format_user(uint32_t emp, char out[16]);
/* Render the subject id of `ref` into out. */
void gen_format_ref(const struct gen *g, uint32_t ref, char out[32]);
/* The vehicles kept by `person`, up to max; returns how many. */
size_t gen_person_vehicles(const struct gen *g, uint32_t person, uint32_t *out, size_t max);

/* gen_misuse.c */
/* Choose the actors and their scenarios (before the world is built: some scenarios
 * need an ex-partner, a leave period or an end date). */
void gen_misuse_choose_actors(struct gen *g);
/* Schedule every planted misuse event into g->planned, sorted by day. */
void gen_misuse_plan(struct gen *g);
/* The system an employee of this kind would use to look up a record of ref type `type`;
 * `mobile` forces the MEOS app. */
uint8_t gen_system_for(struct gen *g, const struct gen_employee *e, unsigned type, bool mobile);

/* gen_events.c */
/* Run the day loop: write events/ *.jsonl, incidents and truth/events.csv. */
int gen_events_write(struct gen *g, const char *dataset_dir, const char *truth_dir, struct err *e);
/* Find a time on shift for `emp` on `day`, or -1 when it has none that day. */
int64_t gen_shift_time(struct gen *g, uint32_t emp, int32_t day);

#endif
