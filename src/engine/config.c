/*
 * config.c - the settings file: a JSON object with sections "engine", "explain", "ingest",
 * "indicators" and a "timezone" string, every key optional (defaults apply).
 *
 * The global settings are described by one table (section, key, type, offset, unit,
 * help), the indicators by their own config tables; the same tables fill the settings,
 * validate the file and generate the documentation (`wachter config --doc`), so the docs
 * cannot drift from the code. An unknown section or key is an error naming the file and
 * the key: a misspelt weight that silently keeps its default is worse than a refusal.
 */
#include "engine/engine.h"
#include "indicators/indicator.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum gtype { G_DOUBLE, G_INT, G_MS, G_U64 };

struct gparam {
    const char *section, *key;
    enum gtype type;
    size_t offset;
    double unit_ms; /* G_MS: milliseconds per unit of the value in the file */
    const char *help;
};

#define E(f) offsetof(struct engine_config, f)
static const struct gparam gparams[] = {
    {"engine", "alert_threshold", G_DOUBLE, E(alert_threshold), 0,
     "combined score (0..1) at which an alert opens"},
    {"engine", "episode_gap_days", G_DOUBLE, E(episode_gap_days), 0,
     "days without new signals that end an alert's episode"},
    {"engine", "warmup_days", G_DOUBLE, E(warmup_days), 0,
     "no alerts are raised in the first days of data, while baselines form"},
    {"engine", "peer_quantile", G_DOUBLE, E(peer_quantile), 0,
     "quantile of the role's evidence mass taken as normal for the role"},
    {"engine", "peer_share_normal", G_DOUBLE, E(peer_share_normal), 0,
     "share of a role having a signal that still counts as rare (no discount)"},
    {"engine", "peer_few", G_DOUBLE, E(peer_few), 0,
     "the role's normal level is raised by this over the square root of its members"},
    {"engine", "min_indicator", G_DOUBLE, E(min_indicator), 0,
     "indicator scores below this are left out of an alert"},
    {"engine", "corroboration", G_DOUBLE, E(corroboration), 0,
     "share of its score that each indicator after the strongest adds to an alert "
     "(indicators are not independent: a busy employee has a little of several)"},
    {"engine", "max_evidence", G_INT, E(max_evidence), 0, "evidence events listed per indicator"},
    {"explain", "follow_up_days", G_MS, E(explain.follow_up_ms), 86400000,
     "a subject accessed with a case explanation stays explained for the user this long"},
    {"explain", "case_grace_days", G_MS, E(explain.case_grace_ms), 86400000,
     "work on a case this long after it closed is still explained"},
    {"explain", "overtime_hours", G_MS, E(explain.overtime_ms), 3600000,
     "margin around a shift that is still on duty"},
    {"explain", "roster_window_days", G_MS, E(explain.roster_window_ms), 86400000,
     "an employee is judged on duty or off duty only with a shift this near"},
    {"explain", "routine_share", G_DOUBLE, E(explain.routine_share), 0,
     "share of a role's traffic a (system, record type) pair needs to be routine"},
    {"explain", "routine_min_events", G_U64, E(explain.routine_min_events), 0,
     "accesses a role needs before its routine is learned"},
    {"explain", "namesake_max", G_INT, E(explain.namesake_max), 0,
     "without relations.csv: a shared surname held by at most this many persons suggests "
     "family"},
    {"ingest", "reorder_minutes", G_MS, E(ingest.reorder_ms), 60000,
     "lines this far out of order within a file are put back in order"},
    {"ingest", "dedupe_window_hours", G_MS, E(ingest.dedupe_window_ms), 3600000,
     "event ids are remembered this long (event time) to drop re-deliveries"},
};
#undef E

static double gget(const struct engine_config *cfg, const struct gparam *p)
{
    const char *f = (const char *)cfg + p->offset;
    switch (p->type) {
    case G_DOUBLE:
        return *(const double *)f;
    case G_INT:
        return *(const int *)f;
    case G_MS:
        return (double)*(const int64_t *)f / p->unit_ms;
    case G_U64:
        return (double)*(const uint64_t *)f;
    }
    return 0;
}

static void gset(struct engine_config *cfg, const struct gparam *p, double v)
{
    char *f = (char *)cfg + p->offset;
    switch (p->type) {
    case G_DOUBLE:
        *(double *)f = v;
        break;
    case G_INT:
        *(int *)f = (int)v;
        break;
    case G_MS:
        *(int64_t *)f = (int64_t)llround(v * p->unit_ms);
        break;
    case G_U64:
        *(uint64_t *)f = (uint64_t)v;
        break;
    }
}

static int apply_section(struct engine_config *cfg, const cJSON *sec, const char *name,
                         const char *path, struct err *e)
{
    if (!cJSON_IsObject(sec))
        return err_set(e, "%s: \"%s\" must be an object", path, name);
    for (const cJSON *it = sec->child; it != NULL; it = it->next) {
        const struct gparam *p = NULL;
        for (size_t i = 0; i < sizeof gparams / sizeof *gparams; i++)
            if (strcmp(gparams[i].section, name) == 0 && strcmp(gparams[i].key, it->string) == 0)
                p = &gparams[i];
        if (p == NULL)
            return err_set(e, "%s: unknown setting \"%s.%s\"", path, name, it->string);
        if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || it->valuedouble < 0 ||
            it->valuedouble > 1e12)
            return err_set(e, "%s: \"%s.%s\" must be a non-negative number", path, name,
                           it->string);
        gset(cfg, p, it->valuedouble);
    }
    return 0;
}

int engine_config_load(struct engine_config *cfg, const char *path, struct err *e)
{
    struct mapped_file f;
    if (file_map(path, &f, e) != 0)
        return -1;
    if (f.size > 1 << 20) {
        file_unmap(&f);
        return err_set(e, "%s: config file larger than 1 MiB", path);
    }
    cJSON *root = cJSON_ParseWithLength(f.data ? f.data : "", f.size);
    file_unmap(&f);
    if (root == NULL || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return err_set(e, "%s: not a JSON object", path);
    }
    int rc = 0;
    for (const cJSON *sec = root->child; sec != NULL && rc == 0; sec = sec->next) {
        if (strcmp(sec->string, "timezone") == 0) {
            if (!cJSON_IsString(sec) || strlen(sec->valuestring) >= sizeof cfg->timezone)
                rc = err_set(e, "%s: \"timezone\" must be a zone name such as Europe/Amsterdam",
                             path);
            else
                snprintf(cfg->timezone, sizeof cfg->timezone, "%s", sec->valuestring);
        } else if (strcmp(sec->string, "indicators") == 0) {
            if (!cJSON_IsObject(sec)) {
                rc = err_set(e, "%s: \"indicators\" must be an object", path);
                break;
            }
            for (const cJSON *ind = sec->child; ind != NULL && rc == 0; ind = ind->next) {
                int idx = indicator_find(ind->string);
                if (idx < 0) {
                    rc = err_set(e, "%s: unknown indicator \"%s\"", path, ind->string);
                    break;
                }
                if (!cJSON_IsObject(ind)) {
                    rc = err_set(e, "%s: indicator \"%s\" must be an object", path, ind->string);
                    break;
                }
                for (const cJSON *kv = ind->child; kv != NULL && rc == 0; kv = kv->next) {
                    double v = cJSON_IsBool(kv) ? cJSON_IsTrue(kv) : kv->valuedouble;
                    if (!cJSON_IsNumber(kv) && !cJSON_IsBool(kv)) {
                        rc = err_set(e, "%s: \"%s.%s\" must be a number or boolean", path,
                                     ind->string, kv->string);
                        break;
                    }
                    struct err ie;
                    if (indicator_set(indicator_registry[idx], cfg->ind_settings[idx], kv->string,
                                      v, &ie) != 0)
                        rc = err_set(e, "%s: %s", path, ie.msg);
                }
            }
        } else if (strcmp(sec->string, "engine") == 0 || strcmp(sec->string, "explain") == 0 ||
                   strcmp(sec->string, "ingest") == 0) {
            rc = apply_section(cfg, sec, sec->string, path, e);
        } else {
            rc = err_set(e, "%s: unknown section \"%s\"", path, sec->string);
        }
    }
    cJSON_Delete(root);
    if (rc == 0 && (cfg->alert_threshold <= 0 || cfg->alert_threshold >= 1))
        rc = err_set(e, "%s: engine.alert_threshold must lie strictly between 0 and 1", path);
    if (rc == 0 && (cfg->corroboration < 0 || cfg->corroboration > 1))
        rc = err_set(e, "%s: engine.corroboration must lie between 0 and 1", path);
    if (rc == 0 && cfg->peer_quantile > 1)
        rc = err_set(e, "%s: engine.peer_quantile must lie between 0 and 1", path);
    return rc;
}

static void json_num(struct sbuf *out, double v)
{
    if (v == floor(v) && fabs(v) < 1e15)
        sbuf_printf(out, "%.0f", v);
    else
        sbuf_printf(out, "%.6g", v);
}

void engine_config_json(const struct engine_config *cfg, struct sbuf *out)
{
    sbuf_puts(out, "{\n  \"timezone\": ");
    sbuf_json_str(out, cfg->timezone, strlen(cfg->timezone));
    const char *sections[] = {"engine", "explain", "ingest"};
    for (size_t s = 0; s < 3; s++) {
        sbuf_printf(out, ",\n  \"%s\": {", sections[s]);
        int first = 1;
        for (size_t i = 0; i < sizeof gparams / sizeof *gparams; i++) {
            if (strcmp(gparams[i].section, sections[s]) != 0)
                continue;
            sbuf_printf(out, "%s\n    \"%s\": ", first ? "" : ",", gparams[i].key);
            json_num(out, gget(cfg, &gparams[i]));
            first = 0;
        }
        sbuf_puts(out, "\n  }");
    }
    sbuf_puts(out, ",\n  \"indicators\": {");
    for (size_t k = 0; k < indicator_count; k++) {
        const struct indicator *ind = indicator_registry[k];
        sbuf_printf(out, "%s\n    \"%s\": {", k ? "," : "", ind->name);
        for (size_t i = 0; i < ind->n_params; i++) {
            const struct ind_param *p = &ind->params[i];
            const char *f = (const char *)cfg->ind_settings[k] + p->offset;
            sbuf_printf(out, "%s\"%s\": ", i ? ", " : "", p->key);
            if (p->type == PARAM_BOOL)
                sbuf_puts(out, *(const int *)f ? "true" : "false");
            else
                json_num(out, *(const double *)f);
        }
        sbuf_puts(out, "}");
    }
    sbuf_puts(out, "\n  }\n}\n");
}

void engine_config_doc(struct sbuf *out)
{
    struct engine_config def;
    engine_config_defaults(&def);
    sbuf_puts(out, "# wachter settings\n\n"
                   "Generated by `wachter config --doc`; every key is optional. Pass a JSON file "
                   "with any of these keys to `wachter analyze --config FILE`; "
                   "`wachter config --defaults` prints a complete file with the defaults.\n\n");
    sbuf_printf(out, "`timezone` (default `%s`): zone for all local-time reasoning.\n",
                def.timezone);
    const char *sections[] = {"engine", "explain", "ingest"};
    for (size_t s = 0; s < 3; s++) {
        sbuf_printf(out, "\n## %s\n\n| key | default | meaning |\n|---|---|---|\n", sections[s]);
        for (size_t i = 0; i < sizeof gparams / sizeof *gparams; i++) {
            if (strcmp(gparams[i].section, sections[s]) != 0)
                continue;
            sbuf_printf(out, "| `%s` | ", gparams[i].key);
            json_num(out, gget(&def, &gparams[i]));
            sbuf_printf(out, " | %s |\n", gparams[i].help);
        }
    }
    sbuf_puts(out, "\n## indicators\n");
    for (size_t k = 0; k < indicator_count; k++) {
        const struct indicator *ind = indicator_registry[k];
        sbuf_printf(out,
                    "\n### `%s` - %s / %s\n\n%s\n\n| key | default | meaning |\n|---|---|---|\n",
                    ind->name, ind->title_en, ind->title_nl, ind->help);
        for (size_t i = 0; i < ind->n_params; i++) {
            const struct ind_param *p = &ind->params[i];
            sbuf_printf(out, "| `%s` | ", p->key);
            if (p->type == PARAM_BOOL)
                sbuf_puts(out, p->def != 0 ? "true" : "false");
            else
                json_num(out, p->def);
            sbuf_printf(out, " | %s |\n", p->help);
        }
    }
    engine_config_free(&def);
}
