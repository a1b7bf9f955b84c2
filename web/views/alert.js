// views/alert.js - one alert: indicators with their explanation and baseline, the activity
// chart against the peer median, the evidence timeline, history, and the analyst's actions
// (dismiss with a reason, escalate to the supervisor or to triage).
//
// Evidence fields are copied from audit logs and are untrusted: they are only ever set as
// text (dom.js).

import { api } from '../api.js';
import { h, select } from '../dom.js';
import { t, getLang } from '../i18n.js';
import { errorText } from '../app.js';
import { fmtTime, fmtDate, fmtNum, scoreBar, statusBadge, tr, makeChart, table, PALETTE } from '../ui.js';

const REASONS = ['explained', 'false_positive', 'duplicate'];

function text(ind, field) {
    const nl = ind[field + '_nl'];
    const en = ind[field + '_en'];
    return getLang() === 'nl' ? nl || en || '' : en || nl || '';
}

export async function render(root, ctx) {
    const id = ctx.args[0];
    const a = await api('GET', '/api/alerts/' + encodeURIComponent(id));
    if (ctx.stale()) return;
    const role = ctx.session.role;
    const inds = Array.isArray(a.indicators) ? a.indicators : [];

    root.append(h('p', { class: 'crumbs' }, h('a', { href: role === 'supervisor' ? '#/cases' : '#/queue' }, '← ' + t(role === 'supervisor' ? 'nav.cases' : 'nav.queue'))));
    root.append(h('header', { class: 'alert-head' },
        h('h1', null, t('alert.title', { ref: a.ref || String(a.id) })),
        h('dl', { class: 'facts' },
            h('dt', null, t('queue.pseudonym')), h('dd', { class: 'mono', 'data-testid': 'alert-pseudonym' }, a.pseudonym),
            h('dt', null, t('queue.score')), h('dd', null, scoreBar(a.score)),
            h('dt', null, t('queue.status')), h('dd', { 'data-testid': 'alert-status' }, statusBadge(a.status)),
            h('dt', null, t('alert.where')), h('dd', null, [a.unit, a.team, a.role ? tr('emprole', a.role) : null].filter(Boolean).join(' · ')),
            h('dt', null, t('queue.period')), h('dd', null, fmtTime(a.first_ts), ' – ', fmtTime(a.last_ts)),
            a.group ? [h('dt', null, t('alert.group')), h('dd', { class: 'mono' }, String(a.group))] : null,
            a.case_id ? [h('dt', null, t('alert.case')), h('dd', null, role === 'analyst' ? t('case.title', { id: a.case_id })
                : h('a', { href: '#/case/' + a.case_id, 'data-testid': 'case-link' }, t('case.title', { id: a.case_id })))] : null)));

    // Order on the screen: indicators, activity chart, actions, timeline, history.
    const indSlot = h('div');
    const chartSlot = h('div');
    const actions = h('section', { class: 'panel actions', 'data-testid': 'alert-actions' });
    root.append(indSlot, chartSlot, actions);
    renderActions(actions, a, ctx);

    // Activity chart.
    const canvas = h('canvas', { id: 'activity-chart', 'data-testid': 'activity-chart', role: 'img', 'aria-label': t('alert.activity') });
    const chartBox = h('section', { class: 'panel' }, h('h2', null, t('alert.activity')),
        h('p', { class: 'muted small' }, t('alert.activity.help')), h('div', { class: 'chart-box' }, canvas));
    chartSlot.append(chartBox);
    const activity = api('GET', '/api/alerts/' + encodeURIComponent(id) + '/activity').then((act) => {
        if (ctx.stale()) return;
        const days = (act && act.days) || [];
        if (days.length === 0) {
            canvas.parentNode.replaceWith(h('p', { class: 'empty', 'data-testid': 'activity-none' }, t('alert.activity.none')));
            return;
        }
        const chart = makeChart(canvas, {
            data: {
                labels: days.map((d) => d.date),
                datasets: [
                    { type: 'bar', label: t('alert.activity.accesses'), data: days.map((d) => d.accesses), backgroundColor: '#9db8d3', order: 3 },
                    { type: 'bar', label: t('alert.activity.unexplained'), data: days.map((d) => d.unexplained), backgroundColor: PALETTE[1], order: 2 },
                    { type: 'line', label: t('alert.activity.peer'), data: days.map((d) => d.peer_median), borderColor: PALETTE[2], backgroundColor: PALETTE[2], pointRadius: 0, borderWidth: 2, stepped: false, order: 1 },
                ],
            },
            options: {
                interaction: { mode: 'index', intersect: false },
                scales: { x: { ticks: { maxTicksLimit: 12 } }, y: { beginAtZero: true, title: { display: true, text: t('alert.activity.axis') } } },
                plugins: { legend: { position: 'bottom' } },
            },
        });
        if (chart) canvas.dataset.rendered = 'true';
    }).catch((e) => {
        if (!ctx.stale()) canvas.replaceWith(h('p', { class: 'form-error' }, errorText(e)));
    });

    // Indicators with explanation and baseline.
    const indSection = h('section', { class: 'panel' }, h('h2', null, t('alert.indicators')));
    for (const ind of inds) {
        if (typeof ind === 'string') {
            indSection.append(h('article', { class: 'indicator' }, h('h3', null, tr('ind', ind))));
            continue;
        }
        indSection.append(h('article', { class: 'indicator', 'data-indicator': ind.name },
            h('h3', null, tr('ind', ind.name), ' ', h('span', { class: 'muted' }, '(' + ind.name + ')'), ' ', scoreBar(ind.score)),
            h('p', { class: 'explanation', 'data-testid': 'explanation' }, text(ind, 'text')),
            h('p', { class: 'baseline' }, h('strong', null, t('alert.baseline') + ': '), text(ind, 'baseline')),
            h('details', null, h('summary', null, t('alert.events', { n: (ind.events || []).length })),
                eventsTable(ind.events || []))));
    }
    indSlot.append(indSection);

    // Timeline: every cited event once, in time order, with the indicators that cite it.
    const byId = new Map();
    for (const ind of inds) {
        for (const ev of (ind && ind.events) || []) {
            const k = ev.event_id || JSON.stringify(ev);
            if (!byId.has(k)) byId.set(k, { ev, names: [] });
            byId.get(k).names.push(ind.name);
        }
    }
    const events = [...byId.values()].sort((x, y) => String(x.ev.ts).localeCompare(String(y.ev.ts)));
    let lastDay = '';
    const items = [];
    for (const { ev, names } of events) {
        const day = fmtDate(ev.ts);
        if (day !== lastDay) {
            items.push(h('li', { class: 'day' }, day));
            lastDay = day;
        }
        items.push(h('li', { class: 'event', 'data-event-id': ev.event_id },
            h('time', { datetime: ev.ts }, new Intl.DateTimeFormat(getLang() === 'nl' ? 'nl-NL' : 'en-GB', { timeStyle: 'short', timeZone: 'Europe/Amsterdam' }).format(new Date(ev.ts))),
            h('span', { class: 'sys' }, ev.system),
            h('span', null, tr('evaction', ev.action), ' ', tr('subject', ev.subject_type), ' ', h('span', { class: 'mono' }, ev.subject)),
            ev.legitimation ? h('span', { class: 'legit' }, t('alert.legitimation') + ': ', ev.legitimation) : h('span', { class: 'legit none' }, t('alert.nolegitimation')),
            ev.note ? h('span', { class: 'note' }, ev.note) : null,
            h('span', { class: 'cited' }, names.map((n) => tr('ind', n)).join(', ')),
            h('span', { class: 'muted mono small' }, ev.event_id)));
    }
    root.append(h('section', { class: 'panel' }, h('h2', null, t('alert.timeline', { n: events.length })),
        items.length ? h('ol', { class: 'timeline', 'data-testid': 'timeline' }, items) : h('p', { class: 'empty' }, t('alert.noevents'))));

    // History.
    const hist = Array.isArray(a.history) ? a.history : [];
    root.append(h('section', { class: 'panel' }, h('h2', null, t('alert.history')),
        hist.length ? table([
            { label: t('col.ts'), cell: (r) => fmtTime(r.ts) },
            { label: t('col.actor'), cell: (r) => r.actor },
            { label: t('col.action'), cell: (r) => tr('action', r.action) },
            { label: t('col.note'), cell: (r) => r.note || '' },
        ], hist, { 'data-testid': 'alert-history' }) : h('p', { class: 'empty' }, t('alert.nohistory'))));
    await activity;
}

function eventsTable(events) {
    return table([
        { label: t('col.ts'), cell: (e) => fmtTime(e.ts) },
        { label: t('col.system'), cell: (e) => e.system },
        { label: t('col.action'), cell: (e) => tr('evaction', e.action) },
        { label: t('col.subject_type'), cell: (e) => tr('subject', e.subject_type) },
        { label: t('col.subject'), cell: (e) => e.subject, class: 'mono' },
        { label: t('col.legitimation'), cell: (e) => e.legitimation || '—' },
        { label: t('col.note'), cell: (e) => e.note || '' },
        { label: t('col.event_id'), cell: (e) => e.event_id, class: 'mono small' },
    ], events);
}

function renderActions(box, a, ctx) {
    const role = ctx.session.role;
    box.append(h('h2', null, t('alert.actions')));
    if (role === 'analyst' || role === 'vik') {
        box.append(h('p', null, h('a', { href: '#/reveal?pseudonym=' + encodeURIComponent(a.pseudonym), class: 'button-link', 'data-testid': 'reveal-link' }, t('alert.reveal'))));
    }
    if (role !== 'analyst') {
        if (!a.case_id) box.append(h('p', { class: 'muted' }, t('alert.analystonly')));
        return;
    }
    if (a.status !== 'new') {
        box.append(h('p', { class: 'muted', 'data-testid': 'alert-closed' }, t('alert.handled', { status: tr('status', a.status) })));
        return;
    }
    const msg = h('p', { class: 'form-error', role: 'alert' });
    const busy = (form, on) => form.querySelectorAll('button').forEach((b) => { b.disabled = on; });
    const dismiss = h('form', { class: 'inline-form', 'data-testid': 'dismiss-form', onsubmit: async (ev) => {
        ev.preventDefault();
        msg.textContent = '';
        busy(dismiss, true);
        const fd = new FormData(dismiss);
        try {
            await api('POST', '/api/alerts/' + encodeURIComponent(a.id) + '/dismiss', { reason: fd.get('reason'), note: fd.get('note') || '' });
            ctx.rerender();
        } catch (e) {
            msg.textContent = errorText(e);
            busy(dismiss, false);
        }
    } },
    h('h3', null, t('alert.dismiss')),
    h('label', null, t('alert.reason'), select('reason', REASONS.map((r) => [r, t('reason.' + r)]), 'explained', { 'data-testid': 'dismiss-reason' })),
    h('label', null, t('alert.note'), h('input', { name: 'note', maxlength: 1000, size: 40 })),
    h('button', { type: 'submit', 'data-testid': 'dismiss-button' }, t('alert.dismiss.button')));
    const escalate = h('form', { class: 'inline-form', 'data-testid': 'escalate-form', onsubmit: async (ev) => {
        ev.preventDefault();
        msg.textContent = '';
        busy(escalate, true);
        const fd = new FormData(escalate);
        try {
            await api('POST', '/api/alerts/' + encodeURIComponent(a.id) + '/escalate', { to: fd.get('to'), note: fd.get('note') || '' });
            ctx.rerender();
        } catch (e) {
            msg.textContent = errorText(e);
            busy(escalate, false);
        }
    } },
    h('h3', null, t('alert.escalate')),
    h('label', null, t('alert.escalate.to'), select('to', [['triage', t('escalate.triage')], ['supervisor', t('escalate.supervisor')]], 'triage', { 'data-testid': 'escalate-to' })),
    h('label', null, t('alert.note'), h('input', { name: 'note', maxlength: 1000, size: 40 })),
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'escalate-button' }, t('alert.escalate.button')));
    box.append(h('div', { class: 'two' }, dismiss, escalate), msg);
}
