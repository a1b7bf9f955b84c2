/*
 * ref.h - the reference data: employees, units, subjects, schedules, cases, relations.
 *
 * Loaded once from the dataset's CSV files (csv.c reads RFC 4180 by header name) into
 * flat arrays with integer indexes, so that detection works on numbers, not strings:
 *   employee by user and by own person record; subject by id; case by number;
 *   relations both ways; case -> members and subjects; user -> cases; subject -> cases;
 *   schedule intervals per user, sorted; address (postcode + house number) -> residents.
 * Membership questions ("is user u on case c", "does case c hold subject s") are answered
 * by hash sets of packed pairs, O(1) per question.
 *
 * Values an event names that the reference data does not know (a user, a subject, a case
 * number typed in) are interned on the fly as entries with `known == 0`, so every event
 * field is an index and detection can still reason about them (an unknown case number is
 * bogus legitimation; an unknown subject has no attributes).
 *
 * Names, postcodes and house numbers may arrive pseudonymised: they are interned as
 * tokens and only ever compared for equality. Token 0 means "unknown".
 *
 * Memory: struct ref owns everything; all pointers returned stay valid until ref_free.
 */
#ifndef WACHTER_REF_H
#define WACHTER_REF_H

#include "core/core.h"

#include <stdbool.h>
#include <stdint.h>

#define REF_NONE UINT32_MAX
#define DAY_NONE_LO INT32_MIN
#define DAY_NONE_HI INT32_MAX

enum role {
    ROLE_PATROL,
    ROLE_DETECTIVE,
    ROLE_INTAKE,
    ROLE_DISPATCHER,
    ROLE_INTELLIGENCE,
    ROLE_INTEGRITY,
    ROLE_STUDENT,
    ROLE_STAFF,
    ROLE_IT,
    ROLE_OTHER,
    ROLE__COUNT
};

/* Peer groups: employees are compared with others of the same role (employee.role). The
 * roles the data format names keep their enum value; any other role string gets a group
 * of its own, numbered from ROLE__COUNT on (an "analist" is not a "handhaver"), up to
 * ROLE_GROUPS; further strings share ROLE_OTHER. Tables per role are ROLE_GROUPS long. */
enum { ROLE_GROUPS = 32 };

enum subject_type { ST_NONE, ST_PERSON, ST_VEHICLE, ST_ADDRESS, ST_CASE, ST_OBJECT, ST_OTHER };

enum subject_flag {
    SF_VIP = 1 << 0,
    SF_CRIMINAL = 1 << 1,
    SF_SHIELDED = 1 << 2,
    SF_MINOR = 1 << 3,
    SF_EMPLOYEE = 1 << 4,
};

enum behind_bit {
    BEHIND_EMPLOYEE = 1 << 0, /* one of them is a police employee */
    BEHIND_IN_CASE = 1 << 1,  /* one of them belongs to some case or incident */
};

enum relation {
    REL_PARTNER,
    REL_EX_PARTNER,
    REL_PARENT,
    REL_CHILD,
    REL_SIBLING,
    REL_HOUSEHOLD,
    REL_OTHER,
    REL_EX_PARTNERS_HOUSEHOLD, /* the ex-partner's partner or housemate (never read from input) */
    REL__COUNT
};

enum sched_kind { SK_SHIFT, SK_LEAVE, SK_SICK, SK_TRAINING, SK_OTHER };
enum case_kind { CK_CASE, CK_INCIDENT, CK_OTHER };

struct employee {
    const char *user;
    uint32_t person;                   /* subject index of the own record, REF_NONE if unknown */
    uint32_t unit, team;               /* token ids (ref_token_name), 0 = unknown */
    uint32_t region;                   /* token id of the unit's region, 0 = unknown */
    uint32_t surname, postcode, house; /* tokens, 0 = unknown */
    uint8_t role;                      /* enum role, or a peer group >= ROLE__COUNT */
    uint8_t known;                     /* listed in employees.csv */
    const char *role_name;             /* as written in the file */
    int32_t start_day, end_day;        /* civil days; DAY_NONE_LO / DAY_NONE_HI when open */
    uint32_t sched_off, sched_n;       /* into ref->sched, sorted by start */
    int64_t sched_span_ms;             /* the longest of those intervals */
    uint32_t cases_off, cases_n;       /* into ref->user_cases */
    uint32_t family_off, family_n;     /* into ref->family, see ref_relatives */
};

struct subject {
    const char *id;
    uint32_t surname, postcode, house, region; /* tokens, 0 = unknown */
    int16_t birth_year;                        /* 0 = unknown */
    uint8_t type;                              /* enum subject_type, ST_NONE = unknown */
    uint8_t flags;                             /* enum subject_flag bits */
    uint8_t known;
    /* 1 when this record may stand for some employee's relative: it is one (relations.csv)
     * or lies at an address where one, or the employee, lives. Only then can a relative
     * link hold, so the walk over the user's relations is skipped for all other records
     * (build_circle). */
    uint8_t near_relative;
    uint32_t employee; /* employee whose own record this is, or REF_NONE */
    /* For vehicles and addresses, a summary of the persons behind the record (keeper's
     * household, residents; see ref_persons_behind), computed once at load. */
    uint8_t behind_flags;        /* their SF_VIP | SF_CRIMINAL | SF_SHIELDED */
    uint8_t behind_bits;         /* BEHIND_* */
    uint32_t behind_region;      /* the first known region among them */
    uint32_t cases_off, cases_n; /* into ref->subject_cases */
    uint32_t rel_off, rel_n;     /* into ref->rels (persons only) */
    /* Index of the record's address (postcode and house number) among all addresses
     * the reference files name, below ref->n_households; REF_NONE without one (and for
     * records that events added). Persons, their vehicles and the address share it. */
    uint32_t household;
};

struct case_rec {
    const char *id;
    uint8_t kind; /* enum case_kind */
    uint8_t high; /* sensitivity high */
    uint8_t known;
    uint8_t integrity;            /* owned by a unit whose staff are integrity (VIK) staff */
    int64_t opened_ms, closed_ms; /* INT64_MIN / INT64_MAX when unknown or open */
    uint32_t unit;                /* token */
    uint32_t n_members, n_subjects;
};

struct sched_interval {
    int64_t start_ms, end_ms;
    uint8_t kind; /* enum sched_kind */
};

struct rel_edge {
    uint32_t other; /* subject index */
    uint8_t relation;
};

struct ref {
    struct employee *emp;
    size_t n_emp, cap_emp;
    struct subject *subj;
    size_t n_subj, cap_subj;
    size_t n_subj_typed; /* records below this index come from the reference files */
    struct case_rec *cases;
    size_t n_cases, cap_cases;

    struct sched_interval *sched;
    size_t n_sched;
    uint32_t *user_cases;    /* case indexes, grouped per employee, ascending */
    uint32_t *subject_cases; /* case indexes, grouped per subject, ascending */
    struct rel_edge *rels;   /* grouped per subject */
    size_t n_rels;
    struct rel_edge *family; /* grouped per employee, see ref_relatives */

    struct strmap emp_by_user, subj_by_id, case_by_id, tokens, systems;
    /* Employees, subjects and cases that events named after loading: kept apart, so that
     * the maps above do not change once loaded (see ref_loaded_*). */
    struct strmap emp_later, subj_later, case_later;
    bool loaded;              /* ref_load finished: new keys go to the *_later maps */
    const char **token_names; /* token id -> text */
    size_t n_tokens, cap_tokens;
    const char **system_names;
    size_t n_systems, cap_systems;

    struct u64map member;    /* (case, employee) pairs */
    struct u64map case_subj; /* (case, subject) pairs */
    struct u64map residents; /* (postcode, house) -> first person index + count, see ref.c */
    uint32_t *resident_list;
    struct u64map surname_count; /* surname token -> number of person records */
    uint64_t n_persons;
    uint32_t n_households;         /* see subject.household */
    uint64_t *household_residents; /* per household: offset in resident_list << 32 | count */
    bool has_relations;            /* relations.csv was present */
    /* Token ids of the role strings of peer groups from ROLE__COUNT to n_role_groups. */
    uint32_t role_group_token[ROLE_GROUPS];
    uint8_t n_role_groups;
    struct strmap region_of_unit;
};

/* Load every reference file of `dataset`. `tz` converts dates. Returns 0, or -1 with `e`
 * holding one line that names the file, the line and the problem (a missing file, a
 * missing required column, an unparseable row). Memory: free with ref_free. */
int ref_load(struct ref *ref, const char *dataset, struct tz *tz, struct err *e);
void ref_free(struct ref *ref);

/* Index of the employee `user`, interning an unknown one (known == 0). */
uint32_t ref_employee(struct ref *ref, const char *user, size_t n);
/* Index of subject `id`, interning an unknown one with type `type`. */
uint32_t ref_subject(struct ref *ref, const char *id, size_t n, enum subject_type type);
/* The same with the key's strmap_hash computed ahead. */
uint32_t ref_employee_h(struct ref *ref, const char *user, size_t n, uint64_t h);
uint32_t ref_subject_h(struct ref *ref, const char *id, size_t n, uint64_t h,
                       enum subject_type type);
/* Index of case `id`, interning an unknown one (known == 0). */
uint32_t ref_case(struct ref *ref, const char *id, size_t n);
/* The same with the key's strmap_hash computed ahead. */
uint32_t ref_case_h(struct ref *ref, const char *id, size_t n, uint64_t h);
/* Index of employee `user` or subject `id` without interning; REF_NONE when unknown. */
uint32_t ref_find_employee(const struct ref *ref, const char *user, size_t n);
uint32_t ref_find_subject(const struct ref *ref, const char *id, size_t n);

/* Lookups in the tables as ref_load left them, REF_NONE for anything else (including
 * keys interned since): these tables never change after loading, so another thread may
 * call these while the owner of `ref` interns. `h` is the key's strmap_hash. */
uint32_t ref_loaded_employee(const struct ref *ref, const char *user, size_t n, uint64_t h);
uint32_t ref_loaded_subject(const struct ref *ref, const char *id, size_t n, uint64_t h);
uint32_t ref_loaded_case(const struct ref *ref, const char *id, size_t n, uint64_t h);
/* The case of cases.csv whose file record `s` (of type case: its id is the case number)
 * is, or REF_NONE. */
uint32_t ref_case_file(const struct ref *ref, uint32_t s);
/* Is record `s` (REF_NONE: none) in an incident (cases.csv kind incident) that runs within
 * `margin_ms` of `ts_ms`, from `margin_ms` before it opens to `margin_ms` after it closes?
 * People in an incident are looked up by officers not dispatched to it (the next shift,
 * a neighbouring team), so indicators weigh such lookups less. */
bool ref_in_incident(const struct ref *ref, uint32_t s, int64_t ts_ms, int64_t margin_ms);
/* Small integer for a system name, interning it. */
uint16_t ref_system(struct ref *ref, const char *name, size_t n);
const char *ref_system_name(const struct ref *ref, uint16_t sys);
/* Text of a token, "" for token 0. */
const char *ref_token_name(const struct ref *ref, uint32_t tok);

static inline uint64_t ref_pair(uint32_t a, uint32_t b)
{
    return ((uint64_t)a << 32 | b) + 1; /* never 0, the u64map's reserved key */
}
/* Are employees `a` and `b` in one team? A team is its unit and its name: team names
 * repeat across units ("A" of every basic team). False when `a`'s team is unknown. */
static inline bool ref_same_team(const struct employee *a, const struct employee *b)
{
    return a->team != 0 && a->team == b->team && a->unit == b->unit;
}
/* Is employee `e` a member of case `c`? */
static inline bool ref_is_member(const struct ref *ref, uint32_t c, uint32_t e)
{
    return u64map_get(&ref->member, ref_pair(c, e)) != NULL;
}
/* The relations of person record `s` (relations.csv): returns the count and sets *first. */
static inline uint32_t ref_relations(const struct ref *ref, uint32_t s,
                                     const struct rel_edge **first)
{
    *first = ref->rels + ref->subj[s].rel_off;
    return ref->subj[s].rel_n;
}
/* The family of employee `e`: the relations of the own person record, the partner's
 * parents, children and siblings (in-laws, as REL_OTHER), and the ex-partner's partner and
 * housemates (REL_EX_PARTNERS_HOUSEHOLD). Returns the count and sets *first; 0 when the
 * employee's record is unknown. */
static inline uint32_t ref_relatives(const struct ref *ref, uint32_t e,
                                     const struct rel_edge **first)
{
    const struct employee *em = &ref->emp[e];
    *first = ref->family != NULL ? ref->family + em->family_off : NULL;
    return em->family_n;
}
/* The residents an (offset << 32 | count) value of ref->residents or
 * ref->household_residents names: returns the count and sets *first. */
static inline uint32_t ref_residents_of(const struct ref *ref, uint64_t v, const uint32_t **first)
{
    *first = ref->resident_list + (v >> 32);
    return (uint32_t)(v & 0xffffffffu);
}
/* The persons of household `h` (see subject.household): count, and *first. */
static inline uint32_t ref_household_residents(const struct ref *ref, uint32_t h,
                                               const uint32_t **first)
{
    return ref_residents_of(ref, ref->household_residents[h], first);
}
/* Does case `c` list subject `s`? */
static inline bool ref_case_has(const struct ref *ref, uint32_t c, uint32_t s)
{
    return u64map_get(&ref->case_subj, ref_pair(c, s)) != NULL;
}
/* Persons registered at (postcode, house): returns the count and sets *first. */
uint32_t ref_residents(const struct ref *ref, uint32_t postcode, uint32_t house,
                       const uint32_t **first);
/* Persons concerned by subject `s`: itself for a person (or a record of unknown type);
 * the keeper's household for a vehicle (residents at the keeper's address with the
 * keeper's surname); the residents of an address. Writes at most `max` to `out` and
 * returns how many. */
size_t ref_persons_behind(const struct ref *ref, uint32_t s, uint32_t *out, size_t max);

/* Number of person records with this surname token (for rarity weighting). */
uint64_t ref_surname_count(const struct ref *ref, uint32_t surname);

/* The schedule interval of employee `e` that covers `ts_ms` with `kind`, or NULL. With
 * `margin_ms` > 0 a shift is widened by that much on both sides. */
const struct sched_interval *ref_sched_at(const struct ref *ref, uint32_t e, int64_t ts_ms,
                                          enum sched_kind kind, int64_t margin_ms);
/* Duty status of employee `e` at `ts_ms` in one pass over the roster: absent (leave or
 * sick, unless within the hours of a shift rostered into it), on duty (a shift widened by
 * `overtime_ms`, or training), off duty (not on duty while a shift starts within
 * `window_ms`), or unknown (no roster near). When `until` is not NULL it receives a moment
 * after `ts_ms` up to which (exclusive) the status is the same for every moment from
 * `ts_ms` on; INT64_MAX when nothing ends it. */
enum duty { DUTY_UNKNOWN, DUTY_ON, DUTY_OFF, DUTY_ABSENT };
enum duty ref_duty_at(const struct ref *ref, uint32_t e, int64_t ts_ms, int64_t overtime_ms,
                      int64_t window_ms, int64_t *until);

/* Does employee `e` have any rostered shift within `window_ms` of `ts_ms`? */
bool ref_has_roster_near(const struct ref *ref, uint32_t e, int64_t ts_ms, int64_t window_ms);

const char *ref_role_name(enum role r);
/* The number of peer groups in use: ROLE__COUNT, or more when employees.csv names roles
 * of its own. */
static inline int ref_role_groups(const struct ref *ref)
{
    return ref->n_role_groups > ROLE__COUNT ? ref->n_role_groups : ROLE__COUNT;
}

/* The name of peer group `group` (see ROLE_GROUPS): a role name, or the role string as
 * the file wrote it. Memory: owned by `ref`. */
const char *ref_role_group_name(const struct ref *ref, uint8_t group);
enum subject_type ref_subject_type_parse(const char *s, size_t n);
const char *ref_subject_type_name(enum subject_type t);

/* --- CSV (csv.c) --- */

/* A CSV file read by header name. */
struct csv_field {
    const char *p;
    size_t n;
};

struct csv {
    const char *path; /* for messages, e.g. "DATASET/employees.csv" */
    int fd;
    char *buf; /* the window: file text from pos to end not yet read */
    size_t cap;
    const char *pos, *end;
    uint8_t at_eof, ran_out;
    uint64_t line;     /* line number of the reading position */
    uint64_t rec_line; /* line number where the current record starts */
    char **cols;       /* header names */
    size_t n_cols;
    struct csv_field *fld;           /* current record's fields */
    struct sbuf *vals;               /* decoded quoted fields, by position */
    size_t n_vals, n_init, cap_vals; /* fields in this record, buffers initialised, capacity */
};

/* Open `path` and read its header. Returns 0, or -1 with `e` naming the file (a failed
 * open holds nothing: no csv_close needed). */
int csv_open(struct csv *c, const char *path, struct err *e);
/* Column index of `name` in the header, or -1. */
int csv_col(const struct csv *c, const char *name);
/* Require columns: fills idx[i] for names[i]; -1 with `e` naming the file and the first
 * missing column. */
int csv_require(const struct csv *c, const char *const *names, int *idx, size_t n, struct err *e);
/* Read the next record. Returns 1, 0 at the end, or -1 with `e` naming file and line
 * (an unterminated quote, a field over the size cap). */
int csv_next(struct csv *c, struct err *e);
/* Field `i` of the current record ("" when the record is shorter). Memory: valid until
 * the next csv_next. */
const char *csv_get(const struct csv *c, int i, size_t *len);
void csv_close(struct csv *c);

#endif
