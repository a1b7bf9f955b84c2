/*
 * test_eval.c - `wachter eval` on hand-written truth and alerts with answers worked out
 * by hand, plus its error paths.
 *
 * The fixture: 4 actors (U1 relative, U2 relative, U3 colleague, U4 off_duty); 5 alerted
 * employees, 3 of them actors (U1, U2, U3), ranked by max score:
 *   1. X1 0.99 (not an actor)        precision@1 = 0
 *   2. U1 0.95 (two alerts, max)     precision@2 = 1/2   cites its planted event
 *   3. U3 0.80                        precision@3 = 2/3   cites only U1's event: no
 *   4. X2 0.70 (not an actor)
 *   5. U2 0.60                        precision@5 = 3/5   cites its planted event
 * recall 3/4, precision 3/5, AP (1/2 + 2/3 + 3/5) / 4 = 0.441666..., evidence 2/3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tmpdir.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eval/eval.h"

static int setup(void **state)
{
    (void)state;
    if (tmpdir_make("eval") != 0)
        return -1;
    write_file("actors.csv", "user,scenario\n"
                             "U1,relative\n"
                             "U2,relative\n"
                             "U3,colleague\n"
                             "U4,off_duty\n");
    write_file("events.csv", "event_id,user,scenario\n"
                             "bv-1,U1,relative\n"
                             "bv-2,U2,relative\n"
                             "brp-3,U3,colleague\n"
                             "\"meos-4\",U4,off_duty\n");
    write_file(
        "alerts.jsonl",
        "{\"id\":\"A-1\",\"user\":\"X1\",\"score\":0.99,\"indicators\":[]}\n"
        "{\"id\":\"A-2\",\"user\":\"U1\",\"score\":0.95,\"indicators\":[{\"name\":\"r\",\"score\":"
        "1,"
        "\"events\":[\"x-9\",\"bv-1\"],\"explanation\":\"e\"}]}\n"
        "\n"
        "{\"id\":\"A-3\",\"user\":\"U1\",\"score\":0.10,\"indicators\":[]}\n"
        "{\"id\":\"A-4\",\"user\":\"U3\",\"score\":0.80,\"indicators\":[{\"name\":\"c\",\"score\":"
        "1,"
        "\"events\":[\"bv-1\"],\"explanation\":\"e\"}]}\n"
        "{\"id\":\"A-5\",\"user\":\"X2\",\"score\":0.70,\"indicators\":[{\"name\":\"c\",\"score\":"
        "1,"
        "\"events\":[\"bv-2\"],\"explanation\":\"e\"}]}\n"
        "{\"id\":\"A-6\",\"user\":\"U2\",\"score\":0.60,\"first_ts\":\"2025-02-03T10:00:00+01:00\","
        "\"indicators\":[{\"name\":\"r\",\"score\":1,\"events\":[\"bv-2\"],\"explanation\":\"e\"}]}"
        "\n");
    write_file("bad.jsonl", "{\"user\":\"U1\",\"score\":0.5}\n{\"user\":\"U2\",\"score\":\n");
    write_file("noscore.jsonl", "{\"user\":\"U1\"}\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return tmpdir_remove();
}

/* eval_compute on the truth directory `truth` and the alerts file `name` in it. */
static int compute(const char *truth, const char *name, struct eval_result *r, struct err *e)
{
    char alerts[700];
    snprintf(alerts, sizeof alerts, "%s/%s", truth, name);
    return eval_compute(truth, alerts, r, e);
}

static void test_known_answers(void **state)
{
    (void)state;
    struct eval_result r;
    struct err e = {{0}};
    assert_int_equal(compute(dir, "alerts.jsonl", &r, &e), 0);
    assert_int_equal(r.actors, 4);
    assert_int_equal(r.alerted, 5);
    assert_int_equal(r.true_positives, 3);
    assert_true(r.recall == 0.75);
    assert_true(r.precision == 0.6);
    assert_true(fabs(r.ap - (0.5 + 2.0 / 3.0 + 0.6) / 4.0) < 1e-12);
    assert_true(fabs(r.evidence_share - 2.0 / 3.0) < 1e-12);
    assert_int_equal(r.nscenarios, 3);
    /* sorted by name: colleague, off_duty, relative */
    assert_string_equal(r.scenarios[0].name, "colleague");
    assert_int_equal(r.scenarios[0].actors, 1);
    assert_int_equal(r.scenarios[0].found, 1);
    assert_string_equal(r.scenarios[1].name, "off_duty");
    assert_int_equal(r.scenarios[1].found, 0);
    assert_string_equal(r.scenarios[2].name, "relative");
    assert_int_equal(r.scenarios[2].actors, 2);
    assert_int_equal(r.scenarios[2].found, 2);

    char json[512];
    snprintf(json, sizeof json, "%s/out.json", dir);
    FILE *f = fopen(json, "w+");
    assert_non_null(f);
    eval_print_json(&r, f);
    rewind(f);
    char buf[1024] = {0};
    assert_true(fread(buf, 1, sizeof buf - 1, f) > 0);
    fclose(f);
    assert_non_null(strstr(buf, "\"recall\":0.750000"));
    assert_non_null(strstr(buf, "\"precision\":0.600000"));
    assert_non_null(strstr(buf, "\"true_positives\":3"));
    assert_non_null(strstr(buf, "\"relative\":{\"actors\":2,\"found\":2,\"recall\":1.000000}"));
    eval_result_free(&r);
}

/* Days to alert, from truth with planted times and alerts with opened_ts: U1 planted from
 * 3 Feb 10:00, first alert 5 Feb 10:00 (a later alert does not count): 2 days; U2 planted
 * 3 Feb, alerted 13 Feb: 10 days; U3 alerted on 1 Feb, before its planted event: 0 days;
 * U4 alerted without opened_ts and X1 (no actor) do not count. Median 2, p90 10. Without
 * the times (the fixture above) there is no figure. */
static void test_days_to_alert(void **state)
{
    (void)state;
    char sub[600];
    snprintf(sub, sizeof sub, "%s/days", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file("days/actors.csv", "user,scenario\nU1,relative\nU2,relative\nU3,colleague\n"
                                  "U4,off_duty\n");
    write_file("days/events.csv", "event_id,user,scenario,ts\n"
                                  "e1,U1,relative,2025-02-04T10:00:00+01:00\n"
                                  "e2,U1,relative,2025-02-03T10:00:00+01:00\n"
                                  "e3,U2,relative,2025-02-03T10:00:00+01:00\n"
                                  "e4,U3,colleague,2025-02-03T10:00:00+01:00\n"
                                  "e5,U4,off_duty,2025-02-03T10:00:00+01:00\n");
    write_file("days/alerts.jsonl",
               "{\"user\":\"U1\",\"score\":0.9,\"opened_ts\":\"2025-02-05T10:00:00+01:00\"}\n"
               "{\"user\":\"U1\",\"score\":0.8,\"opened_ts\":\"2025-03-05T10:00:00+01:00\"}\n"
               "{\"user\":\"U2\",\"score\":0.7,\"opened_ts\":\"2025-02-13T10:00:00+01:00\"}\n"
               "{\"user\":\"U3\",\"score\":0.6,\"opened_ts\":\"2025-02-01T10:00:00+01:00\"}\n"
               "{\"user\":\"U4\",\"score\":0.6}\n"
               "{\"user\":\"X1\",\"score\":0.6,\"opened_ts\":\"2025-02-01T10:00:00+01:00\"}\n");
    struct eval_result r;
    struct err e = {{0}};
    assert_int_equal(compute(sub, "alerts.jsonl", &r, &e), 0);
    assert_int_equal(r.delay_n, 3);
    assert_true(fabs(r.delay_median_days - 2.0) < 1e-9);
    assert_true(fabs(r.delay_p90_days - 10.0) < 1e-9);
    /* Per scenario (sorted by name): colleague U3 0 days, off_duty none, relative 2 and 10. */
    assert_int_equal(r.scenarios[0].delay_n, 1);
    assert_true(r.scenarios[0].delay_median_days == 0);
    assert_int_equal(r.scenarios[1].delay_n, 0);
    assert_int_equal(r.scenarios[2].delay_n, 2);
    assert_true(fabs(r.scenarios[2].delay_median_days - 6.0) < 1e-9);
    eval_result_free(&r);

    assert_int_equal(compute(dir, "alerts.jsonl", &r, &e), 0);
    assert_int_equal(r.delay_n, 0);
    eval_result_free(&r);
}

static void test_empty_alerts(void **state)
{
    (void)state;
    write_file("empty.jsonl", "");
    struct eval_result r;
    struct err e = {{0}};
    assert_int_equal(compute(dir, "empty.jsonl", &r, &e), 0);
    assert_int_equal(r.alerted, 0);
    assert_true(r.recall == 0 && r.precision == 0 && r.ap == 0 && r.evidence_share == 0);
    eval_result_free(&r);
}

static void test_bad_input_names_the_file(void **state)
{
    (void)state;
    struct eval_result r;
    struct err e = {{0}};
    assert_int_equal(compute(dir, "bad.jsonl", &r, &e), -1);
    assert_non_null(strstr(e.msg, "bad.jsonl:2"));
    assert_int_equal(compute(dir, "noscore.jsonl", &r, &e), -1);
    assert_non_null(strstr(e.msg, "noscore.jsonl:1"));
    assert_int_equal(compute(dir, "missing.jsonl", &r, &e), -1);
    assert_non_null(strstr(e.msg, "missing.jsonl"));
    char alerts[512];
    snprintf(alerts, sizeof alerts, "%s/missing.jsonl", dir);
    char *argv[] = {"eval", "/nonexistent-truth", alerts, "--json", NULL};
    assert_int_equal(eval_main(4, argv), 2);
    char *usage[] = {"eval", dir, NULL};
    assert_int_equal(eval_main(2, usage), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_days_to_alert),
        cmocka_unit_test(test_empty_alerts),
        cmocka_unit_test(test_bad_input_names_the_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
