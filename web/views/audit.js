// views/audit.js - the privacy officer's view of the hash-chained audit log: who saw whose
// data, exports, re-identifications and settings changes.

import { api, list } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { genericTable } from '../ui.js';

export async function render(root, ctx) {
    root.append(h('h1', null, t('audit.title')), h('p', { class: 'muted' }, t('audit.intro')));
    const data = await api('GET', '/api/audit');
    if (ctx.stale()) return;
    const entries = list(data, 'entries', 'events', 'audit', 'log');
    if (data && typeof data === 'object' && !Array.isArray(data)) {
        const ok = data.chain_ok ?? data.verified ?? data.chain_valid;
        if (ok !== undefined) {
            root.append(h('p', { class: 'flash ' + (ok ? 'ok' : 'error'), 'data-testid': 'chain' }, t(ok ? 'audit.chain.ok' : 'audit.chain.bad')));
        }
    }
    if (entries.length === 0) {
        root.append(h('p', { class: 'empty' }, t('audit.empty')));
        return;
    }
    const filter = h('input', { type: 'search', placeholder: t('audit.filter'), 'aria-label': t('audit.filter'), size: 30 });
    const tableBox = h('div', { class: 'scroll' });
    const draw = () => {
        const q = filter.value.trim().toLowerCase();
        const rows = q ? entries.filter((e) => JSON.stringify(e).toLowerCase().includes(q)) : entries;
        tableBox.replaceChildren(genericTable(rows.slice(0, 1000), { 'data-testid': 'audit-table' }));
    };
    filter.addEventListener('input', draw);
    root.append(h('p', null, filter, ' ', h('span', { class: 'muted' }, t('audit.count', { n: entries.length }))), tableBox);
    draw();
}
