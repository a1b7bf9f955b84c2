/*
 * admin.c - the administrative commands that work on the database directly:
 *
 *   wachter user add NAME --role ROLE [--db FILE] [--unit U --team T]
 *       reads the password from the first line of stdin (so it never appears in the
 *       process list or the shell history), hashes it with Argon2id and stores the user;
 *       the addition is written to the audit log with the OS user as actor.
 *   wachter audit verify [--db FILE]
 *       recomputes the hash chain of the audit log; exit 0 when intact, 1 naming the first
 *       altered or missing entry, 3 when the database cannot be read.
 *
 * Both refuse a database file that does not exist rather than creating an empty one.
 */
#include "http/http_int.h"
#include "workflow/workflow.h"

#include <getopt.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

static void user_usage(FILE *out)
{
    fprintf(out,
            "usage: wachter user add NAME --role ROLE [--db FILE] [--unit U --team T]\n"
            "\n"
            "Adds a user of the workbench. The password is read from the first line of\n"
            "standard input (at least %d characters). ROLE is one of analyst, supervisor,\n"
            "vik, privacy, council, admin; supervisors need --unit and --team (they see\n"
            "only cases escalated to them about employees of that unit and team).\n",
            AUTH_PASSWORD_MIN);
}

static const char *os_user(void)
{
    struct passwd *pw = getpwuid(getuid());
    return pw != NULL ? pw->pw_name : "unknown";
}

/* Read the first line of stdin into `out` without its line end. Returns 0 or -1. */
static int read_password(char *out, size_t size)
{
    if (fgets(out, (int)size, stdin) == NULL)
        return -1;
    size_t n = strlen(out);
    if (n == size - 1 && out[n - 1] != '\n')
        return -1; /* longer than the buffer */
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    return 0;
}

int user_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"role", required_argument, NULL, 'r'}, {"db", required_argument, NULL, 'd'},
        {"unit", required_argument, NULL, 'u'}, {"team", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    const char *role = NULL, *db = "wachter.db", *unit = "", *team = "";
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            role = optarg;
            break;
        case 'd':
            db = optarg;
            break;
        case 'u':
            unit = optarg;
            break;
        case 't':
            team = optarg;
            break;
        case 'h':
            user_usage(stdout);
            return 0;
        default:
            user_usage(stderr);
            return 2;
        }
    }
    if (argc - optind != 2 || strcmp(argv[optind], "add") != 0 || role == NULL) {
        user_usage(stderr);
        return 2;
    }
    const char *name = argv[optind + 1];
    if (!http_user_name_valid(name)) {
        log_error("user name must be 1..64 of A-Z a-z 0-9 . _ -");
        return 2;
    }
    if (wf_role_parse(role) == 0) {
        log_error("unknown role %s (analyst, supervisor, vik, privacy, council, admin)", role);
        return 2;
    }
    if (strcmp(role, "supervisor") == 0 && (*unit == '\0' || *team == '\0')) {
        log_error("a supervisor needs --unit and --team");
        return 2;
    }
    if (sodium_init() < 0) {
        log_error("cannot initialise libsodium");
        return 1;
    }
    char password[AUTH_PASSWORD_MAX + 2], hash[AUTH_HASH_SIZE];
    struct err e;
    if (read_password(password, sizeof password) != 0) {
        log_error("expected the password on the first line of standard input");
        return 1;
    }
    int rc = auth_hash_password(password, hash, &e);
    sodium_memzero(password, sizeof password);
    if (rc != 0) {
        log_error("%s", e.msg);
        return 1;
    }
    struct store *st = store_open(db, &e);
    if (st == NULL) {
        log_error("%s", e.msg);
        return 1;
    }
    char actor[96], object[80], detail[256];
    snprintf(actor, sizeof actor, "cli:%s", os_user());
    snprintf(object, sizeof object, "user:%s", name);
    snprintf(detail, sizeof detail, "role=%s unit=%s team=%s", role, unit, team);
    rc = 1;
    if (store_begin(st, &e) == 0) {
        if (store_user_add(st, name, role, unit, team, hash, actor, &e) == 0 &&
            store_audit_append(st, actor, "user.add", object, detail, &e) == 0 &&
            store_commit(st, &e) == 0)
            rc = 0;
        else
            store_rollback(st);
    }
    if (rc != 0)
        log_error("%s", e.msg);
    else
        log_info("added user %s (%s)", name, role);
    store_close(st);
    return rc;
}

static void audit_usage(FILE *out)
{
    fprintf(out, "usage: wachter audit verify [--db FILE]\n"
                 "\n"
                 "Recomputes the hash chain of the audit log. Exits 0 when it is intact\n"
                 "(and prints the hash of the last entry, to keep elsewhere), 1 naming the\n"
                 "first altered or missing entry, 3 when the database cannot be read.\n");
}

int audit_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = "wachter.db";
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'h':
            audit_usage(stdout);
            return 0;
        default:
            audit_usage(stderr);
            return 2;
        }
    }
    if (argc - optind != 1 || strcmp(argv[optind], "verify") != 0) {
        audit_usage(stderr);
        return 2;
    }
    if (access(db, R_OK) != 0) {
        log_error("%s: no such database", db);
        return 3;
    }
    if (sodium_init() < 0) {
        log_error("cannot initialise libsodium");
        return 3;
    }
    struct err e;
    struct store *st = store_open(db, &e);
    if (st == NULL) {
        log_error("%s", e.msg);
        return 3;
    }
    struct store_audit_verdict v;
    int rc;
    if (store_audit_verify(st, &v, &e) != 0) {
        log_error("%s", e.msg);
        rc = 3;
    } else if (v.intact) {
        printf("audit log intact: %lld entries, head %s\n", (long long)v.rows,
               v.rows > 0 ? v.head : "(empty)");
        rc = 0;
    } else {
        printf("audit log BROKEN at entry %lld: %s\n", (long long)v.first_bad, v.reason);
        rc = 1;
    }
    store_close(st);
    return rc;
}
