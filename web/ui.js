// ui.js - small pieces shared by the screens: dates, score bars, badges, tables, charts.

import { h } from './dom.js';
import { t, getLang, has } from './i18n.js';

const TZ = 'Europe/Amsterdam';

function locale() {
    return getLang() === 'nl' ? 'nl-NL' : 'en-GB';
}

// fmtTime(ts): an RFC 3339 instant as local date and time (Europe/Amsterdam).
export function fmtTime(ts) {
    if (!ts) return '';
    const d = new Date(ts);
    if (isNaN(d)) return String(ts);
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: TZ }).format(d);
}

export function fmtDate(ts) {
    if (!ts) return '';
    const d = new Date(ts);
    if (isNaN(d)) return String(ts);
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: TZ }).format(d);
}

export function fmtNum(n, digits) {
    if (n === null || n === undefined || n === '') return '';
    if (typeof n !== 'number') return String(n);
    return new Intl.NumberFormat(locale(), digits === undefined ? {} : { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n);
}

// tr(prefix, value): the dictionary's word for a code, or the code itself.
export function tr(prefix, value) {
    const key = prefix + '.' + value;
    return has(key) ? t(key) : String(value);
}

export function scoreBar(score) {
    const s = Math.max(0, Math.min(1, Number(score) || 0));
    const level = s >= 0.75 ? 'high' : s >= 0.5 ? 'mid' : 'low';
    return h('span', { class: 'score', title: t('alert.score') + ' ' + fmtNum(s, 2) },
        h('span', { class: 'bar', 'aria-hidden': 'true' }, h('span', { class: 'fill ' + level, style: { width: (s * 100).toFixed(1) + '%' } })),
        h('span', { class: 'num' }, fmtNum(s, 2)));
}

export function statusBadge(status) {
    return h('span', { class: 'badge status-' + String(status).replace(/[^a-z_]/gi, ''), 'data-status': status }, tr('status', status));
}

export function indicatorChip(name) {
    return h('span', { class: 'chip', title: name }, tr('ind', name));
}

// table(columns, rows): columns are {label, cell(row) -> node|string, class?}.
export function table(columns, rows, attrs = {}) {
    return h('table', { class: 'grid', ...attrs },
        h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
        h('tbody', null, rows.map((r) => h('tr', null, columns.map((c) => h('td', { class: c.class }, c.cell(r)))))));
}

// genericTable(rows): a table of plain objects with a column for each key of the first
// rows. Used for answers whose exact shape the contract leaves open (audit, statistics).
export function genericTable(rows, attrs = {}) {
    const keys = [];
    for (const r of rows.slice(0, 20)) for (const k of Object.keys(r || {})) if (!keys.includes(k)) keys.push(k);
    return table(keys.map((k) => ({ label: tr('col', k), class: 'c-' + k.replace(/[^a-z0-9_]/gi, ''), cell: (r) => cellText(r[k], k) })), rows, attrs);
}

export function cellText(v, key) {
    if (v === null || v === undefined) return key && /count|alerts|total|n$/.test(key) ? t('council.suppressed') : '';
    if (typeof v === 'number') return fmtNum(v, Number.isInteger(v) ? undefined : 2);
    if (typeof v === 'object') return JSON.stringify(v);
    if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(v)) return fmtTime(v);
    if (key === 'indicator' || key === 'name') return tr('ind', v);
    if (key === 'outcome') return tr('outcome', v);
    if (key === 'status') return tr('status', v);
    if (key === 'state') return tr('state', v);
    if (key === 'action') return tr('action', v);
    return String(v);
}

// Charts go through Chart.js (web/vendor/chart.umd.js, loaded as a classic script).
export function chartLib() {
    return window.Chart || null;
}

export const PALETTE = ['#1f4e79', '#c0392b', '#e1a100', '#2e7d32', '#6a1b9a', '#00838f', '#8d6e63', '#546e7a'];

// makeChart(canvas, config): a Chart or null (with a notice) when Chart.js is missing.
export function makeChart(canvas, config) {
    const Chart = chartLib();
    if (!Chart) {
        canvas.replaceWith(h('p', { class: 'notice' }, t('chart.missing')));
        return null;
    }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    return new Chart(canvas, config);
}

export function notice(text, kind = 'ok') {
    return h('p', { class: 'flash ' + kind, role: kind === 'error' ? 'alert' : 'status' }, text);
}
