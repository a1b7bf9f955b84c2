/*
 * registry.c - the list of built-in indicators, their settings tables and the shared
 * phrasing helpers for explanations.
 *
 * The order of the registry is the indicator's id in the engine; adding an indicator is
 * one line here and one new file.
 */
#include "indicators/indicator.h"

#include <math.h>
#include <string.h>

extern const struct indicator ind_relative_lookup, ind_neighbour_lookup, ind_colleague_lookup,
    ind_self_lookup, ind_sensitive_subject, ind_curiosity_wave, ind_criminal_network, ind_off_duty,
    ind_volume_breadth, ind_bulk_export, ind_rare_access, ind_bogus_legitimation,
    ind_private_fixation, ind_case_file_export, ind_borrowed_session, ind_practice_session,
    ind_invalid_case_number, ind_criminal_local;

const struct indicator *const indicator_registry[] = {
    &ind_relative_lookup,     &ind_neighbour_lookup, &ind_colleague_lookup, &ind_self_lookup,
    &ind_sensitive_subject,   &ind_curiosity_wave,   &ind_criminal_network, &ind_off_duty,
    &ind_volume_breadth,      &ind_bulk_export,      &ind_rare_access,      &ind_bogus_legitimation,
    &ind_private_fixation,    &ind_case_file_export, &ind_borrowed_session, &ind_practice_session,
    &ind_invalid_case_number, &ind_criminal_local,
};
const size_t indicator_count = sizeof indicator_registry / sizeof *indicator_registry;

int indicator_find(const char *name)
{
    for (size_t i = 0; i < indicator_count; i++)
        if (strcmp(indicator_registry[i]->name, name) == 0)
            return (int)i;
    return -1;
}

void indicator_defaults(const struct indicator *ind, void *settings)
{
    for (size_t i = 0; i < ind->n_params; i++) {
        const struct ind_param *p = &ind->params[i];
        char *field = (char *)settings + p->offset;
        if (p->type == PARAM_BOOL)
            *(int *)field = p->def != 0;
        else
            *(double *)field = p->def;
    }
}

int indicator_set(const struct indicator *ind, void *settings, const char *key, double value,
                  struct err *e)
{
    for (size_t i = 0; i < ind->n_params; i++) {
        const struct ind_param *p = &ind->params[i];
        if (strcmp(p->key, key) != 0)
            continue;
        /* The cap keeps every day, hour or count made of a setting within the integers the
         * indicators turn it into (days into int32, milliseconds into int64). */
        if (!isfinite(value) || value < 0 || value > IND_PARAM_MAX)
            return err_set(e, "indicator %s: %s must be a number from 0 to %.0f", ind->name, key,
                           IND_PARAM_MAX);
        if ((strcmp(key, "weight") == 0 || strcmp(key, "volume_norm") == 0) && value > 1)
            return err_set(e, "indicator %s: %s must lie between 0 and 1", ind->name, key);
        char *field = (char *)settings + p->offset;
        if (p->type == PARAM_BOOL)
            *(int *)field = value != 0;
        else
            *(double *)field = value;
        return 0;
    }
    return err_set(e, "indicator %s has no setting '%s'", ind->name, key);
}

/* ---- phrasing ----------------------------------------------------------------------- */

static void span_phrase(const struct ind_summary *s, struct sbuf *en, struct sbuf *nl)
{
    double days = (double)(s->last_ms - s->first_ms) / 86400000.0;
    if (days < 1) {
        sbuf_puts(en, " within one day");
        sbuf_puts(nl, " binnen één dag");
    } else if (days < 14) {
        int d = (int)ceil(days);
        sbuf_printf(en, " in %d days", d);
        sbuf_printf(nl, " in %d dagen", d);
    } else {
        int w = (int)ceil(days / 7);
        sbuf_printf(en, " in %d weeks", w);
        sbuf_printf(nl, " in %d weken", w);
    }
}

void describe_counts(const struct ind_summary *s, const char *what_en, const char *what_nl,
                     struct sbuf *en, struct sbuf *nl)
{
    sbuf_printf(en, "%u %s of %u distinct record%s", s->n_signals,
                s->n_signals == 1 ? "lookup" : "lookups", s->n_keys, s->n_keys == 1 ? "" : "s");
    sbuf_printf(nl, "%u %s van %u verschillende registratie%s", s->n_signals,
                s->n_signals == 1 ? "raadpleging" : "raadplegingen", s->n_keys,
                s->n_keys == 1 ? "" : "s");
    if (what_en && *what_en) {
        sbuf_printf(en, " (%s)", what_en);
        sbuf_printf(nl, " (%s)", what_nl);
    }
    span_phrase(s, en, nl);
}

void describe_baseline(const struct ind_summary *s, struct sbuf *en, struct sbuf *nl)
{
    const struct employee *em = &s->ref->emp[s->employee];
    const char *role = em->role_name[0] ? em->role_name : ref_role_name((enum role)em->role);
    sbuf_printf(en,
                "peers in role %s: %.2f on average, %.1f%% have any (n=%u); this employee: %.2f",
                role, s->peer_mean, 100.0 * s->peer_share, s->n_peers, s->mass);
    sbuf_printf(
        nl,
        "collega's in rol %s: gemiddeld %.2f, %.1f%% heeft er een (n=%u); deze medewerker: %.2f",
        role, s->peer_mean, 100.0 * s->peer_share, s->n_peers, s->mass);
    if (s->volume_factor > 1.005) {
        sbuf_printf(en,
                    "; the role's normal level counts %.1f times, as this employee looks up "
                    "%.1f times the role's median without a case",
                    s->volume_factor, s->volume_ratio);
        sbuf_printf(nl,
                    "; het normale niveau van de rol telt %.1f keer, omdat deze medewerker "
                    "%.1f keer de mediaan van de rol zonder zaak raadpleegt",
                    s->volume_factor, s->volume_ratio);
    }
}
