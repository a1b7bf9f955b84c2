/*
 * test_gen.c - black-box tests of `wachter gen`: run gen_main into temporary directories
 * and check the dataset against the contract and the truth against an independent recount.
 *
 * The recount deliberately does not share code with the generator: it classifies every
 * event line with cJSON and core's RFC 3339 parser, the way a consumer would, so a
 * generator whose stats.json drifted from its files would fail here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tmpdir.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "gen/gen.h"

static void run_gen(const char *out, const char *seed)
{
    char *argv[] = {"gen", (char *)out, "--employees", "150", "--days",
                    "60",  "--seed",    (char *)seed,  NULL};
    assert_int_equal(gen_main(8, argv), 0);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct sbuf b = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sbuf_add(&b, buf, n);
    fclose(f);
    if (len)
        *len = b.len;
    if (b.buf == NULL)
        sbuf_add(&b, "", 0);
    return b.buf;
}

static int setup(void **state)
{
    (void)state;
    if (tmpdir_make("gen") != 0)
        return -1;
    char a[512];
    snprintf(a, sizeof a, "%s/a", dir);
    run_gen(a, "7");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return tmpdir_remove();
}

/* Every required column of `header` (comma-separated names) is in the file's header. */
static void check_header(const char *file, const char *required)
{
    char path[512];
    snprintf(path, sizeof path, "%s/a/dataset/%s", dir, file);
    char *text = slurp(path, NULL);
    assert_non_null(text);
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    *nl = '\0';
    char want[256];
    snprintf(want, sizeof want, "%s", required);
    for (char *col = strtok(want, ","); col != NULL; col = strtok(NULL, ",")) {
        char needle[64];
        snprintf(needle, sizeof needle, ",%s,", col);
        char hay[1024];
        snprintf(hay, sizeof hay, ",%s,", text);
        if (strstr(hay, needle) == NULL)
            fail_msg("%s: header '%s' lacks column '%s'", file, text, col);
    }
    free(text);
}

static void test_files_and_headers(void **state)
{
    (void)state;
    check_header("employees.csv",
                 "user,person,unit,team,role,surname,postcode,house_number,start_date,end_date");
    check_header("units.csv", "unit,region");
    check_header("subjects.csv",
                 "subject,subject_type,surname,postcode,house_number,birth_year,region,flags");
    check_header("schedule.csv", "user,start,end,kind");
    check_header("cases.csv", "case,kind,opened,closed,unit,sensitivity");
    check_header("case_members.csv", "case,user");
    check_header("case_subjects.csv", "case,subject");
    check_header("relations.csv", "person_a,person_b,relation");
    static const char *const systems[] = {"BlueView", "BVH", "MEOS",   "BRP",
                                          "RDW",      "GMS", "Summ-IT"};
    for (size_t i = 0; i < 7; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/a/dataset/events/%s.jsonl", dir, systems[i]);
        assert_int_equal(access(path, R_OK), 0);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/a/dataset/truth", dir);
    assert_int_not_equal(access(path, F_OK), 0); /* truth is never inside the dataset */
}

/* An RFC 3339 timestamp with an offset or Z and a real calendar date. Written here rather
 * than taken from core so that the recount stays independent of the code under test. */
static bool valid_ts(const char *s)
{
    static const int dim[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, se, used = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &used) != 6 || used != 19)
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > dim[mo - 1] || h > 23 || mi > 59 || se > 60)
        return false;
    if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return false;
    s += 19;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (strcmp(s, "Z") == 0)
        return true;
    return (s[0] == '+' || s[0] == '-') && s[1] >= '0' && s[1] <= '2' && s[2] >= '0' &&
           s[2] <= '9' && s[3] == ':' && s[4] >= '0' && s[4] <= '5' && s[5] >= '0' && s[5] <= '9' &&
           s[6] == '\0';
}

/* Classify one event line as a consumer would: NULL when valid, else the reason. */
static const char *classify(const char *line, size_t len, cJSON **out)
{
    cJSON *o = cJSON_ParseWithLength(line, len);
    *out = o;
    if (o == NULL || !cJSON_IsObject(o))
        return "invalid_json";
    static const char *const req[] = {"id", "ts", "user", "system", "action"};
    for (size_t i = 0; i < 5; i++)
        if (cJSON_GetObjectItemCaseSensitive(o, req[i]) == NULL)
            return "missing_field";
    const char *action = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "action"));
    bool record = action == NULL || (strcmp(action, "login") != 0 && strcmp(action, "logout") != 0);
    if (record && (cJSON_GetObjectItemCaseSensitive(o, "subject") == NULL ||
                   cJSON_GetObjectItemCaseSensitive(o, "subject_type") == NULL))
        return "missing_field";
    for (size_t i = 0; i < 5; i++)
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, req[i])))
            return "wrong_type";
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(o, "results");
    if (results != NULL && !cJSON_IsNumber(results))
        return "wrong_type";
    const char *ts = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "ts"));
    if (!valid_ts(ts))
        return "bad_timestamp";
    return NULL;
}

static long stat_field(cJSON *stats, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(stats, name);
    assert_true(cJSON_IsNumber(v));
    return (long)v->valuedouble;
}

static void test_stats_match_recount(void **state)
{
    (void)state;
    char events_dir[512];
    snprintf(events_dir, sizeof events_dir, "%s/a/dataset/events", dir);
    DIR *d = opendir(events_dir);
    assert_non_null(d);
    struct strmap ids = {0};
    long lines = 0, dups = 0, malformed = 0, by[4] = {0};
    static const char *const reasons[] = {"invalid_json", "missing_field", "bad_timestamp",
                                          "wrong_type"};
    bool winter = false, summer = false, zulu = false;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (strstr(ent->d_name, ".jsonl") == NULL)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", events_dir, ent->d_name);
        size_t len;
        char *text = slurp(path, &len);
        assert_non_null(text);
        for (char *p = text; p < text + len;) {
            char *nl = memchr(p, '\n', (size_t)(text + len - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
            if (n > 0) {
                lines++;
                cJSON *o;
                const char *why = classify(p, n, &o);
                if (why != NULL) {
                    malformed++;
                    for (int r = 0; r < 4; r++)
                        by[r] += strcmp(why, reasons[r]) == 0;
                } else {
                    const char *id =
                        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "id"));
                    const char *ts =
                        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "ts"));
                    winter |= strstr(ts, "+01:00") != NULL;
                    summer |= strstr(ts, "+02:00") != NULL;
                    zulu |= strchr(ts, 'Z') != NULL;
                    if (strmap_get(&ids, id, strlen(id)) >= 0)
                        dups++;
                    else
                        strmap_put(&ids, id, strlen(id), 1);
                }
                cJSON_Delete(o);
            }
            p += n + 1;
        }
        free(text);
    }
    closedir(d);

    char path[512];
    snprintf(path, sizeof path, "%s/a/truth/stats.json", dir);
    char *text = slurp(path, NULL);
    cJSON *stats = cJSON_Parse(text);
    free(text);
    assert_non_null(stats);
    assert_int_equal(stat_field(stats, "lines"), lines);
    assert_int_equal(stat_field(stats, "events"), (long)ids.count);
    assert_int_equal(stat_field(stats, "duplicates"), dups);
    assert_int_equal(stat_field(stats, "malformed"), malformed);
    assert_int_equal(lines, (long)ids.count + dups + malformed);
    cJSON *byr = cJSON_GetObjectItemCaseSensitive(stats, "malformed_by_reason");
    for (int r = 0; r < 4; r++) {
        assert_int_equal(stat_field(byr, reasons[r]), by[r]);
        assert_true(by[r] > 0);
    }
    assert_true(dups > 0);
    cJSON_Delete(stats);
    strmap_free(&ids);
    assert_true(winter);
    assert_true(summer);
    assert_true(zulu);
}

static void test_every_scenario_planted(void **state)
{
    (void)state;
    static const char *const scenarios[] = {
        "relative",      "ex_partner",  "neighbour", "colleague",        "vip_curiosity",
        "criminal_leak", "bulk_export", "off_duty",  "student_practice", "bogus_legitimation"};
    char path[512];
    snprintf(path, sizeof path, "%s/a/truth/actors.csv", dir);
    char *actors = slurp(path, NULL);
    snprintf(path, sizeof path, "%s/a/truth/events.csv", dir);
    char *events = slurp(path, NULL);
    assert_non_null(actors);
    assert_non_null(events);
    assert_true(strncmp(actors, "user,scenario\n", 14) == 0);
    assert_true(strncmp(events, "event_id,user,scenario,ts\n", 26) == 0);
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        char needle[64], planted[64];
        snprintf(needle, sizeof needle, ",%s\n", scenarios[i]);
        snprintf(planted, sizeof planted, ",%s,20", scenarios[i]); /* then the event's ts */
        if (strstr(actors, needle) == NULL)
            fail_msg("no actor for scenario %s", scenarios[i]);
        if (strstr(events, planted) == NULL)
            fail_msg("no planted event for scenario %s", scenarios[i]);
    }
    free(actors);
    free(events);
}

static bool same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = slurp(a, &la), *y = slurp(b, &lb);
    bool same = x != NULL && y != NULL && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static void test_deterministic(void **state)
{
    (void)state;
    char b[512], c[512];
    snprintf(b, sizeof b, "%s/b", dir);
    snprintf(c, sizeof c, "%s/c", dir);
    run_gen(b, "7");
    run_gen(c, "8");
    static const char *const files[] = {"dataset/events/BlueView.jsonl",
                                        "dataset/events/MEOS.jsonl",
                                        "dataset/events/GMS.jsonl",
                                        "dataset/employees.csv",
                                        "dataset/subjects.csv",
                                        "dataset/schedule.csv",
                                        "dataset/cases.csv",
                                        "dataset/relations.csv",
                                        "truth/actors.csv",
                                        "truth/events.csv",
                                        "truth/stats.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char pa[600], pb[600], pc[600];
        snprintf(pa, sizeof pa, "%s/a/%s", dir, files[i]);
        snprintf(pb, sizeof pb, "%s/%s", b, files[i]);
        snprintf(pc, sizeof pc, "%s/%s", c, files[i]);
        if (!same_file(pa, pb))
            fail_msg("%s differs between two runs with the same seed", files[i]);
        if (i < 3)
            assert_false(same_file(pa, pc));
    }
}

static void test_no_relations_and_bad_options(void **state)
{
    (void)state;
    char d[512];
    snprintf(d, sizeof d, "%s/d", dir);
    char *argv[] = {"gen", d, "--employees", "50", "--days", "7", "--no-relations", NULL};
    assert_int_equal(gen_main(7, argv), 0);
    char path[600];
    snprintf(path, sizeof path, "%s/dataset/relations.csv", d);
    assert_int_not_equal(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/dataset/employees.csv", d);
    assert_int_equal(access(path, R_OK), 0);
    char *bad[] = {"gen", d, "--employees", "10", NULL};
    assert_int_equal(gen_main(4, bad), 2);
    char *bad_rate[] = {"gen", d, "--actor-rate", "x", NULL};
    assert_int_equal(gen_main(4, bad_rate), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files_and_headers),
        cmocka_unit_test(test_stats_match_recount),
        cmocka_unit_test(test_every_scenario_planted),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_no_relations_and_bad_options),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
