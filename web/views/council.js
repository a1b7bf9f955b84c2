// views/council.js - the works council's report: aggregate figures on how the monitoring
// itself is used; counts below 5 are suppressed by the server.

import { api } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { renderSets } from './stats.js';

export async function render(root, ctx) {
    root.append(h('h1', null, t('council.title')), h('p', { class: 'muted' }, t('council.intro')),
        h('p', null, h('a', { href: '/api/stats/council?format=csv', download: 'wachter-ondernemingsraad.csv', class: 'button-link', 'data-testid': 'csv-link' }, t('stats.csv'))));
    const data = await api('GET', '/api/stats/council');
    if (ctx.stale()) return;
    const box = h('div', { 'data-testid': 'council' });
    root.append(box);
    renderSets(box, data, 'council');
}
