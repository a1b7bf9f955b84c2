// views/cases.js - the list of cases this user may see (VIK: all; supervisor: own team).

import { api, list } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { fmtTime, table, tr } from '../ui.js';

export async function render(root, ctx) {
    root.append(h('h1', null, t('cases.title')));
    const data = await api('GET', '/api/cases');
    if (ctx.stale()) return;
    const cases = list(data, 'cases');
    if (cases.length === 0) {
        root.append(h('p', { class: 'empty', 'data-testid': 'cases-empty' }, t('cases.empty')));
        return;
    }
    root.append(table([
        { label: t('col.case'), cell: (c) => h('a', { href: '#/case/' + encodeURIComponent(c.id) }, t('case.title', { id: c.id })) },
        { label: t('col.alert'), cell: (c) => c.ref || c.alert_ref || (c.alert_id ? '#' + c.alert_id : '') },
        { label: t('queue.pseudonym'), cell: (c) => c.pseudonym || '', class: 'mono' },
        { label: t('col.state'), cell: (c) => h('span', { class: 'badge state-' + String(c.state).replace(/[^a-z_]/gi, '') }, tr('state', c.state)) },
        { label: t('queue.where'), cell: (c) => [c.unit, c.team].filter(Boolean).join(' · ') },
        { label: t('col.updated'), cell: (c) => fmtTime(c.updated || c.created) },
    ], cases, { 'data-testid': 'cases-table' }));
}
