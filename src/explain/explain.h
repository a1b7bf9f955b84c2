/*
 * explain.h - explain-away: why was this record accessed, and what is it to the user?
 *
 * Every record access is first explained, the way explanation-based auditing of hospital
 * records does it, before any indicator looks at it. An access is explained by:
 *
 *   route            meaning
 *   ---------------  ---------------------------------------------------------------------
 *   EX_CASE_TYPED    the typed case number exists, is open, lists the user and the subject
 *   EX_CASE_MEMBER   the user works on an open case or incident that holds the subject,
 *                    whether or not the number was typed in
 *   EX_CASE_LINKED   the subject is the vehicle or address of a person in such a case, or a
 *                    person living at an address or owning a vehicle in such a case
 *   EX_CASE_RELATION the subject is family, partner or household (relations.csv) of a person
 *                    in an open investigation (not an incident) the user works on:
 *                    detectives look up a suspect's family. Not for the user's own circle
 *                    (a colleague may be among that family), public figures or shielded
 *                    persons.
 *   EX_CASE_UNIT     the typed case number is an open case of the user's own unit that holds
 *                    the subject, but does not list the user: membership lists are never
 *                    complete, and a colleague helping on the unit's case types its number.
 *                    Not for cases of high sensitivity or for public figures and shielded
 *                    persons, where being on the list is the point. Still a weak signal
 *                    (BOGUS_UNLISTED), so it stays visible.
 *   EX_CASE_WORK     the typed case lists the user but not the record, and either it is an
 *                    incident that is running, or the record was looked up under that
 *                    number before by another member, or by the user on an earlier day:
 *                    case work that the record list does not show (those lists are never
 *                    complete either). Same exclusions as EX_CASE_UNIT, and the case must
 *                    be open.
 *   EX_CASE_WRITER   the typed case number is an open case that holds the subject and does
 *                    not list the user, but the user has written to the case's file (a
 *                    modify of the case record) while it was open: only those who work on a
 *                    case change it, so this reads their membership from the log when the
 *                    list misses it. Any sensitivity; not for public figures, shielded
 *                    persons or the user's own circle.
 *   EX_INTEGRITY_UNIT the user is integrity (VIK) staff on an open integrity case that
 *                    holds an employee of the unit the looked-up colleague works in: an
 *                    investigation into one officer takes in the colleagues around them
 *                    (witnesses, team-mates), whom the case seldom lists. Colleagues only,
 *                    shielded ones included (the investigation is the need to know), not
 *                    public figures.
 *   EX_FOLLOW_UP     the user accessed the same subject with a case explanation within the
 *                    follow-up window (continuing work on a case)
 *   EX_ROUTINE       nothing about the subject is personal to the user or sensitive, and
 *                    the kind of access (system, subject type) is everyday work for the
 *                    user's role (learned from the role's own traffic; while a role has
 *                    too little of it, from all roles' traffic)
 *   EX_NONE          not explained
 *
 * A typed case number is checked; when it does not exist, is closed, does not list the
 * user or does not hold the subject, it explains nothing and is recorded as `bogus`. A
 * number that matches no case as typed is looked up again with letters in upper case and
 * everything but letters and digits left out, as people type "2025 bvh 12" for
 * "2025-BVH-12"; a form that two known cases share matches neither. Failing that, a
 * number one slip (a digit replaced by another, two neighbouring characters swapped) away
 * from exactly one case that lists the user is that case: people mistype the number of
 * their own case, and the case must still hold the record. (Measured: eight altgen sets
 * 251 / 207 -> 247 / 206 alerted / found, the actor lost having been alerted by a slip of
 * their own; the four groups of newer altgen sets 117 -> 116, 123 -> 119, 152 -> 150,
 * 231 -> 226 alerted, found the same; this project's 19 sets unchanged. The 15 false
 * alerts gone were intelligence analysts' and detectives', the ten `invalid_case_number`
 * led among them.)
 *
 * The personal link of the subject to the user (self, relatives from relations.csv or,
 * without that file, same surname and address; neighbours; colleagues) and the subject's
 * sensitivity are computed here too, once, for all indicators. Vehicles and addresses are
 * resolved to the persons behind them (keeper, residents) through the address index.
 *
 * Memory: the explainer borrows the reference data and owns its follow-up memory.
 */
#ifndef WACHTER_EXPLAIN_H
#define WACHTER_EXPLAIN_H

#include "core/core.h"
#include "ingest/ingest.h"
#include "ref/ref.h"

enum explain_route {
    EX_NONE,
    EX_CASE_TYPED,
    EX_CASE_MEMBER,
    EX_CASE_LINKED,
    EX_CASE_RELATION,
    EX_CASE_UNIT,
    EX_CASE_WORK,
    EX_CASE_WRITER,
    EX_INTEGRITY_UNIT,
    EX_FOLLOW_UP,
    EX_ROUTINE,
    EX__COUNT
};

enum bogus_kind {
    BOGUS_NONE,
    BOGUS_UNKNOWN_CASE, /* the number is in no case or incident list */
    BOGUS_CLOSED,       /* the case was closed (beyond the grace period) or not yet opened */
    BOGUS_NOT_MEMBER,   /* the user does not work on it */
    BOGUS_NOT_IN_CASE,  /* the case does not hold the subject */
    BOGUS_UNLISTED,     /* an open case of the user's own unit that holds the subject, not
                           listing the user (explained as EX_CASE_UNIT, see above) */
};

enum link_kind {
    LINK_NONE,
    LINK_SELF,      /* the user's own record, vehicle or address */
    LINK_RELATIVE,  /* family, household or (ex-)partner; see access.relation */
    LINK_NAMESAKE,  /* same rare surname, no relations file: a possible relative */
    LINK_NEIGHBOUR, /* same postcode, another house */
    LINK_COLLEAGUE, /* the record (or vehicle or address) of another employee */
};

/* What one record access is, as far as detection is concerned. */
struct access {
    uint8_t route;    /* enum explain_route */
    uint8_t bogus;    /* enum bogus_kind */
    uint8_t link;     /* enum link_kind */
    uint8_t relation; /* enum relation when link == LINK_RELATIVE */
    uint8_t flags;    /* subject flags, including those of the persons behind a vehicle or
                         address (SF_*) */
    uint8_t off_duty; /* 0 on duty or unknown, 1 well outside any shift, 2 on leave or sick */
    uint8_t is_record;
    uint8_t in_region; /* 1 when the subject's region is the user's, 0 other, 2 unknown */
    uint32_t person;   /* the person concerned (the linked one), or REF_NONE */
    uint32_t legit;    /* for a record access with a typed number, the case it denotes:
                          ev->legit, or the known case whose number it is written another
                          way (case and punctuation aside: "2025-bvh-12" for "2025-BVH-12");
                          REF_NONE otherwise */
    float link_weight; /* namesake rarity weight, 1 otherwise */
    /* BOGUS_NOT_MEMBER, but the case is open and holds the record, which is nothing
     * personal or sensitive: a write to the case's file would explain it (EX_CASE_WRITER). */
    uint8_t unlisted_open;
    /* The household of a person, vehicle or address record (its address, see
     * subject.household; a record without an address is a household of its own), for
     * explain_lookers and explain_others_near; REF_NONE for other records. */
    uint32_t household;
    /* A public figure or shielded person reached through a broad name search of the same
     * user (a query on them that returned several records, at most EXPLAIN_DETOUR_MS
     * before): if a namesake is opened next, this was a wrong click (explain_detour). */
    uint8_t searched;
    struct local_time local;
};

struct explain_config {
    int64_t follow_up_ms;        /* default 30 days */
    int64_t case_grace_ms;       /* work on a case shortly after it closed; default 14 days */
    int64_t overtime_ms;         /* around a shift, still on duty; default 2 hours */
    int64_t roster_window_ms;    /* roster known when a shift lies this near; default 3 days */
    double routine_share;        /* (system, type) share of a role's traffic to count as routine */
    uint64_t routine_min_events; /* traffic needed before a role's profile is trusted */
    int namesake_max;            /* surname rarer than this many persons counts as namesake */
};

void explain_config_defaults(struct explain_config *cfg);

struct explainer;

/* Memory: borrows `ref` and `tz` for its lifetime; free with explainer_free. */
struct explainer *explainer_new(const struct ref *ref, struct tz *tz,
                                const struct explain_config *cfg);
void explainer_free(struct explainer *x);

/* Explain `ev` into `out` and learn from it (role profile, follow-up memory). Events must
 * come in (near) time order. */
void explain_event(struct explainer *x, const struct event *ev, struct access *out);

/* Start fetching what explain_event will read of the employee's and the record's state
 * for `ev`, a few events before it comes: a hint only, nothing changes. */
void explain_prefetch(const struct explainer *x, const struct event *ev);
/* The second step, about half as far ahead: what only the record itself (brought in by
 * ingest_prefetch) says where to find, such as its household's lookers. Reading the record
 * in the first step would wait for it. */
void explain_prefetch_late(const struct explainer *x, const struct event *ev);

/* What the explainer knows of record `s` looked up under case number `c` of a case that
 * lists the user but not the record (see EX_CASE_WORK). CASE_WORK_NONE: such a lookup was
 * never seen, or one was not eligible (a personal link, a public figure, a shielded
 * person, a closed case); CASE_WORK_FIRST: seen, so far by one user on one day;
 * CASE_WORK_SHARED: case work since local day *since_day (when not NULL).
 * bogus_legitimation holds its signal on a FIRST lookup for a few days and asks again. */
enum case_work { CASE_WORK_NONE, CASE_WORK_FIRST, CASE_WORK_SHARED };
enum case_work explain_case_work(const struct explainer *x, uint32_t c, uint32_t s,
                                 int32_t *since_day);

/* Has employee `e` written to the file of case `c` (a modify of the case record) while it
 * was open? If so, *since_day (when not NULL) is the local day of the first such write.
 * bogus_legitimation holds a signal on an unlisted_open lookup and asks this. */
bool explain_case_writer(const struct explainer *x, uint32_t c, uint32_t e, int32_t *since_day);

/* Distinct employees who have accessed household `h` (access.household) so far, for any
 * reason, the current event included; EXPLAIN_LOOKERS_MORE stands for that many or more. */
enum { EXPLAIN_LOOKERS_MORE = 7 };
unsigned explain_lookers(const struct explainer *x, uint32_t h);

/* access.link_weight of a colleague's vehicle or address (their person record: 1). */
#define EXPLAIN_COLLEAGUE_THING_WEIGHT 0.6f

/* How long after a broad name search opening a sensitive record counts as reached
 * through it, and how long after that a namesake's record makes it a wrong click. */
#define EXPLAIN_DETOUR_MS (2 * 60 * 1000)

/* Was user `e`'s access to sensitive record `s` on local day `day` a wrong click in a name
 * search: reached through a broad search (access.searched) and followed within
 * EXPLAIN_DETOUR_MS by a person of the same surname from another household, not itself
 * sensitive, the one the search was for? Known from that next lookup on; indicators hold
 * a searched access's signal until its day closes and ask then. */
bool explain_detour(const struct explainer *x, uint32_t e, uint32_t s, int32_t day);

/* Employees other than `e` whose latest access to household `h` so far lies within `days`
 * local days of `day` (either side); with `team_mates_only`, only those of e's own team
 * (ref_same_team; none when e's team is unknown). Exact up to EXPLAIN_LOOKERS_MORE -
 * 1; from there on the count may miss lookers of the window pushed out by later ones. */
unsigned explain_others_near(const struct explainer *x, uint32_t h, uint32_t e, int32_t day,
                             int32_t days, bool team_mates_only);

/* Share of a role's record accesses that used (system, subject type); 0..1. */
double explain_role_share(const struct explainer *x, uint8_t role, uint16_t system,
                          uint8_t subject_type);
/* Record accesses of a role seen so far, and of those the accesses to criminal-network
 * records (the record's or the persons behind it: access.flags). */
uint64_t explain_role_events(const struct explainer *x, uint8_t role);
uint64_t explain_role_criminal(const struct explainer *x, uint8_t role);

/* Counters: record accesses per role and route, for the explained-share report. */
struct explain_counts {
    uint64_t by_role_route[ROLE_GROUPS][EX__COUNT];
};
const struct explain_counts *explain_counts(const struct explainer *x);

const char *explain_route_name(enum explain_route r);
const char *explain_bogus_name(enum bogus_kind b);

#endif
