// views/trends.js - trends and figures: alerts and outcomes per unit, indicator and month,
// per-indicator precision, with CSV export.

import { api } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { renderSets } from './stats.js';

export async function render(root, ctx) {
    root.append(h('h1', null, t('trends.title')), h('p', { class: 'muted' }, t('trends.intro')),
        h('p', null, h('a', { href: '/api/stats/trends?format=csv', download: 'wachter-trends.csv', class: 'button-link', 'data-testid': 'csv-link' }, t('stats.csv'))));
    const data = await api('GET', '/api/stats/trends');
    if (ctx.stale()) return;
    const box = h('div', { 'data-testid': 'trends' });
    root.append(box);
    renderSets(box, data, 'trends');
}
