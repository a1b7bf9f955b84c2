/*
 * main.c - the wachter command line: finds the subcommand and hands over to its module.
 *
 * No logic lives here. Each subcommand is one row of the table below: its name, a line
 * of help and the module function that parses its own options and runs it.
 */
#include "engine/engine.h"
#include "live/live.h"

#include <stdio.h>
#include <string.h>

#include "eval/eval.h"
#include "gen/gen.h"
#include "http/http.h"

struct command {
    const char *name;
    const char *help;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand's name */
};

static const struct command commands[] = {
    {"analyze", "analyse a dataset of audit logs into stored, explained alerts", analyze_main},
    {"run", "run detection as a service on events as they arrive (HTTP, syslog, files, Kafka)",
     run_main},
    {"config", "print the settings reference or the default settings", config_main},
    {"gen", "generate a realistic dataset with planted misuse", gen_main},
    {"eval", "score alerts against a generated dataset's truth", eval_main},
    {"serve", "serve the analyst's workbench (web application and JSON API)", serve_main},
    {"user", "add users of the workbench (password on stdin)", user_main},
    {"audit", "verify the hash chain of the audit log", audit_main},
    {NULL, NULL, NULL},
};

static int usage(FILE *out)
{
    fprintf(out, "usage: wachter COMMAND [ARGS]\n\ncommands:\n");
    for (const struct command *c = commands; c->name != NULL; c++)
        fprintf(out, "  %-9s %s\n", c->name, c->help);
    fprintf(out, "\n'wachter COMMAND --help' describes a command.\n");
    return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0)
        return usage(stdout);
    for (const struct command *c = commands; c->name != NULL; c++)
        if (strcmp(argv[1], c->name) == 0)
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "wachter: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
