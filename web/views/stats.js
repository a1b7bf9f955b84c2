// views/stats.js - charts and tables for the statistics answers (trends, council report).
//
// An answer is an object of tables, each an array of rows such as {"month":"2025-03",
// "unit":"UNIT-01","indicator":"relative_lookup","alerts":12,"escalated":3}. Text columns
// are dimensions, numeric columns are measures. Each table gets one Chart.js bar chart per
// dimension (the measures summed over the other dimensions; fractions such as precision
// are charted only for a table with a single dimension, never summed), and the table
// itself. Suppressed small counts (null) show as "<5" in tables and count as nothing in
// the sums of the charts.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { genericTable, makeChart, tr, PALETTE } from '../ui.js';

function isFraction(key) {
    return /precision|rate|ratio|share|fraction/.test(key);
}

function label(dim, v) {
    if (v === null || v === undefined || v === '') return '—';
    if (dim === 'indicator') return tr('ind', v);
    if (dim === 'outcome') return tr('outcome', v);
    if (dim === 'misconduct') return tr('misconduct', v);
    if (dim === 'action') return tr('action', v);
    if (dim === 'status') return tr('status', v);
    if (dim === 'state') return tr('state', v);
    return String(v);
}

function chart(grid, testid, title, labels, series) {
    const canvas = h('canvas', { 'data-testid': testid + '-chart', role: 'img', 'aria-label': title });
    grid.append(h('figure', { class: 'chart-fig' }, h('figcaption', null, title), h('div', { class: 'chart-box' }, canvas)));
    return makeChart(canvas, {
        type: 'bar',
        data: { labels, datasets: series.map((s, i) => ({ label: s.label, data: s.data, backgroundColor: PALETTE[i % PALETTE.length] })) },
        options: { plugins: { legend: { position: 'bottom' } }, scales: { y: { beginAtZero: true, max: series.every((s) => s.fraction) ? 1 : undefined } } },
    });
}

export function renderSets(root, data, testid) {
    const sets = Array.isArray(data) ? [['rows', data]] : Object.entries(data || {}).filter(([, v]) => Array.isArray(v));
    const charts = [];
    for (const [name, rows] of sets) {
        const section = h('section', { class: 'panel', 'data-set': name }, h('h2', null, tr('set', name)));
        root.append(section);
        if (rows.length === 0 || typeof rows[0] !== 'object') {
            section.append(h('p', { class: 'empty' }, t('stats.empty')));
            continue;
        }
        const keys = [];
        for (const r of rows) for (const k of Object.keys(r)) if (!keys.includes(k)) keys.push(k);
        const dims = keys.filter((k) => rows.some((r) => typeof r[k] === 'string'));
        const measures = keys.filter((k) => !dims.includes(k) && rows.every((r) => r[k] === null || r[k] === undefined || typeof r[k] === 'number'));
        const counts = measures.filter((k) => !isFraction(k));
        const fractions = measures.filter(isFraction);
        const grid = h('div', { class: 'charts' });
        for (const dim of dims) {
            if (counts.length === 0) break;
            const groups = new Map();
            for (const r of rows) {
                const g = groups.get(r[dim]) || Object.fromEntries(counts.map((k) => [k, null]));
                for (const k of counts) if (typeof r[k] === 'number') g[k] = (g[k] || 0) + r[k];
                groups.set(r[dim], g);
            }
            const values = [...groups.keys()].sort((a, b) => String(a).localeCompare(String(b)));
            const perIndicator = dim !== 'indicator' && dims.includes('indicator') ? ' ' + t('stats.perindicator') : '';
            const c = chart(grid, testid, tr('set', name) + ' · ' + tr('col', dim) + perIndicator, values.map((v) => label(dim, v)),
                counts.map((k) => ({ label: tr('col', k), data: values.map((v) => groups.get(v)[k]) })));
            if (c) charts.push(c);
        }
        if (fractions.length && dims.length === 1) {
            const c = chart(grid, testid, tr('set', name) + ' · ' + fractions.map((k) => tr('col', k)).join(', '), rows.map((r) => label(dims[0], r[dims[0]])),
                fractions.map((k) => ({ label: tr('col', k), fraction: true, data: rows.map((r) => (typeof r[k] === 'number' ? r[k] : null)) })));
            if (c) charts.push(c);
        }
        section.append(grid, h('details', null, h('summary', null, t('stats.table', { n: rows.length })), h('div', { class: 'scroll' }, genericTable(rows))));
    }
    if (sets.length === 0) root.append(h('p', { class: 'empty' }, t('stats.empty')));
    const scalars = Array.isArray(data) ? [] : Object.entries(data || {}).filter(([, v]) => v === null || typeof v !== 'object');
    if (scalars.length) {
        root.prepend(h('dl', { class: 'facts totals' }, scalars.map(([k, v]) => [h('dt', null, tr('col', k)), h('dd', null, v === null ? t('council.suppressed') : String(v))])));
    }
    return charts;
}
