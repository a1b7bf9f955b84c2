// views/queue.js - the alert queue: one page of 50 alerts at a time, by score.
//
// Filters and the page live in the hash (#/queue?status=new&page=2), so a filtered view
// can be bookmarked and the back button works. Only one page is ever requested
// (limit/offset), which keeps the screen fast with 100,000 alerts.

import { api, qs } from '../api.js';
import { h, select } from '../dom.js';
import { t } from '../i18n.js';
import { indicatorNames } from '../indicators.js';
import { fmtDate, fmtNum, scoreBar, statusBadge, indicatorChip, tr } from '../ui.js';

export const PAGE = 50;
const STATUSES = ['new', 'escalated', 'dismissed', 'withdrawn'];
const FILTERS = ['status', 'unit', 'indicator', 'from', 'to'];

// RFC 3339 bounds for a date picked in the form (local midnight, whole days).
function dayStart(d) {
    return d ? new Date(d + 'T00:00:00').toISOString() : '';
}
function dayEnd(d) {
    return d ? new Date(new Date(d + 'T00:00:00').getTime() + 86400000 - 1).toISOString() : '';
}

export async function render(root, ctx) {
    const q = ctx.query;
    const page = Math.max(1, parseInt(q.get('page') || '1', 10) || 1);
    const f = {};
    for (const k of FILTERS) f[k] = q.get(k) || '';
    if (!q.has('status')) f.status = 'new';

    const form = h('form', { class: 'filters', 'data-testid': 'queue-filters', onsubmit: (ev) => {
        ev.preventDefault();
        const data = new FormData(form);
        const p = {};
        for (const k of FILTERS) p[k] = (data.get(k) || '').toString().trim();
        ctx.go('#/queue' + qs({ ...p, status: p.status || 'all' }));
    } },
    h('label', null, t('queue.status'), select('status', [['all', t('queue.all')], ...STATUSES.map((s) => [s, tr('status', s)])], f.status || 'all')),
    h('label', null, t('queue.unit'), h('input', { name: 'unit', value: f.unit, list: 'units', placeholder: 'UNIT-01', size: 10 })),
    h('label', null, t('queue.indicator'), select('indicator', [['', t('queue.all')], ...indicatorNames().map((i) => [i, tr('ind', i)])], f.indicator)),
    h('label', null, t('queue.from'), h('input', { name: 'from', type: 'date', value: f.from })),
    h('label', null, t('queue.to'), h('input', { name: 'to', type: 'date', value: f.to })),
    h('button', { type: 'submit', class: 'primary' }, t('queue.apply')),
    h('a', { href: '#/queue', class: 'button-link' }, t('queue.reset')));

    const params = {
        status: f.status === 'all' ? '' : f.status,
        unit: f.unit,
        indicator: f.indicator,
        from: dayStart(f.from),
        to: dayEnd(f.to),
        limit: PAGE,
        offset: (page - 1) * PAGE,
    };
    root.append(h('h1', null, t('queue.title')), form);
    const data = await api('GET', '/api/alerts' + qs(params));
    if (ctx.stale()) return;
    const alerts = (data && data.alerts) || [];
    const total = (data && typeof data.total === 'number') ? data.total : alerts.length;

    const units = new Set(alerts.map((a) => a.unit).filter(Boolean));
    root.append(h('datalist', { id: 'units' }, [...units].sort().map((u) => h('option', { value: u }))));

    const first = total === 0 ? 0 : params.offset + 1;
    const last = params.offset + alerts.length;
    const pages = Math.max(1, Math.ceil(total / PAGE));
    const link = (p) => '#/queue' + qs({ ...f, status: f.status || 'all', page: p });
    const pager = () => h('nav', { class: 'pager', 'aria-label': t('queue.paging') },
        h('span', { 'data-testid': 'queue-count' }, t('queue.range', { first: fmtNum(first), last: fmtNum(last), total: fmtNum(total) })),
        page > 1 ? h('a', { href: link(page - 1), rel: 'prev', class: 'button-link' }, t('queue.prev')) : null,
        h('span', { class: 'muted' }, t('queue.page', { page: fmtNum(page), pages: fmtNum(pages) })),
        page < pages ? h('a', { href: link(page + 1), rel: 'next', class: 'button-link' }, t('queue.next')) : null);

    if (alerts.length === 0) {
        root.append(pager(), h('p', { class: 'empty', 'data-testid': 'queue-empty' }, t('queue.empty')));
        return;
    }
    const rows = alerts.map((a) => h('tr', { 'data-alert-id': a.id, class: 'clickable', onclick: (ev) => {
        if (ev.target.closest('a')) return;
        ctx.go('#/alerts/' + a.id);
    } },
    h('td', { class: 'nowrap' }, h('a', { href: '#/alerts/' + encodeURIComponent(a.id) }, a.ref || String(a.id))),
    h('td', { class: 'mono' }, a.pseudonym),
    h('td', null, scoreBar(a.score)),
    h('td', null, (a.indicators || []).map((i) => indicatorChip(typeof i === 'string' ? i : i.name))),
    h('td', { class: 'nowrap' }, fmtDate(a.first_ts), a.last_ts && fmtDate(a.last_ts) !== fmtDate(a.first_ts) ? [' – ', fmtDate(a.last_ts)] : null),
    h('td', null, statusBadge(a.status)),
    h('td', null, [a.unit, a.team, a.role ? tr('emprole', a.role) : null].filter(Boolean).join(' · '))));
    root.append(pager(),
        h('table', { class: 'grid queue', 'data-testid': 'queue-table' },
            h('thead', null, h('tr', null, ['queue.ref', 'queue.pseudonym', 'queue.score', 'queue.indicators', 'queue.period', 'queue.status', 'queue.where'].map((k) => h('th', { scope: 'col' }, t(k))))),
            h('tbody', null, rows)),
        pager());
}
