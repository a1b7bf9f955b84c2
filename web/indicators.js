// indicators.js - the catalogue of indicators, as the server's registry has it
// (GET /api/indicators).
//
// The filters offer the server's indicators and every screen shows their titles as
// docs/config.md gives them, so a new indicator plug-in needs no change here. The titles
// become dictionary words ('ind.<name>'), which tr('ind', name) shows in the chosen
// language; a name the catalogue does not know shows as itself.

import { api } from './api.js';
import { DICT } from './i18n.js';

let names = [];
let loading = null;

// loadIndicators(): fetch the catalogue once per page; a failed fetch is tried again on
// the next call.
export function loadIndicators() {
    if (!loading) {
        loading = api('GET', '/api/indicators').then((r) => {
            names = r.indicators.map((i) => i.name);
            for (const i of r.indicators) {
                DICT.en['ind.' + i.name] = i.title_en;
                DICT.nl['ind.' + i.name] = i.title_nl;
            }
        }, (e) => {
            loading = null;
            throw e;
        });
    }
    return loading;
}

// indicatorNames(): the indicators in registry order (empty before loadIndicators).
export function indicatorNames() {
    return names;
}
