// views/exceptions.js - scoped exceptions: an employee (pseudonym) plus an indicator or a
// subject, with a reason and an expiry of at most one year.

import { api, list } from '../api.js';
import { h, select } from '../dom.js';
import { t } from '../i18n.js';
import { errorText } from '../app.js';
import { genericTable, tr } from '../ui.js';
import { indicatorNames } from '../indicators.js';

export async function render(root, ctx) {
    root.append(h('h1', null, t('exc.title')), h('p', { class: 'muted' }, t('exc.intro')));
    const max = new Date(Date.now() + 365 * 86400000).toISOString().slice(0, 10);
    const today = new Date().toISOString().slice(0, 10);
    const msg = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { class: 'panel', 'data-testid': 'exception-form', onsubmit: async (ev) => {
        ev.preventDefault();
        msg.textContent = '';
        const fd = new FormData(form);
        const body = { pseudonym: String(fd.get('pseudonym')).trim(), reason: String(fd.get('reason')).trim(), expires: String(fd.get('expires')) };
        if (fd.get('indicator')) body.indicator = fd.get('indicator');
        if (String(fd.get('subject')).trim()) body.subject = String(fd.get('subject')).trim();
        if (!body.indicator && !body.subject) {
            msg.textContent = t('exc.scope.missing');
            return;
        }
        try {
            await api('POST', '/api/exceptions', body);
            ctx.rerender();
        } catch (e) {
            msg.textContent = errorText(e);
        }
    } },
    h('h2', null, t('exc.new')),
    h('label', null, t('queue.pseudonym'), h('input', { name: 'pseudonym', required: true, class: 'mono', pattern: 'P-[a-z2-7]+' })),
    h('label', null, t('queue.indicator'), select('indicator', [['', '—'], ...indicatorNames().map((i) => [i, tr('ind', i)])], '')),
    h('label', null, t('exc.subject'), h('input', { name: 'subject', class: 'mono' })),
    h('label', null, t('exc.reason'), h('textarea', { name: 'reason', required: true, rows: 2, maxlength: 2000 })),
    h('label', null, t('exc.expires'), h('input', { name: 'expires', type: 'date', required: true, min: today, max, value: max })),
    h('button', { type: 'submit', class: 'primary' }, t('exc.add')), msg);
    root.append(form);
    const data = await api('GET', '/api/exceptions');
    if (ctx.stale()) return;
    const rows = list(data, 'exceptions');
    root.append(h('section', { class: 'panel' }, h('h2', null, t('exc.list')),
        rows.length ? h('div', { class: 'scroll' }, genericTable(rows)) : h('p', { class: 'empty' }, t('exc.none'))));
}
