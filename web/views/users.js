// views/users.js - the administrator's list of users and a form to add one.

import { api, list } from '../api.js';
import { h, select } from '../dom.js';
import { t } from '../i18n.js';
import { errorText } from '../app.js';
import { genericTable } from '../ui.js';

const ROLES = ['analyst', 'supervisor', 'vik', 'privacy', 'council', 'admin'];

export async function render(root, ctx) {
    root.append(h('h1', null, t('users.title')));
    const msg = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { class: 'panel inline-form', 'data-testid': 'user-form', onsubmit: async (ev) => {
        ev.preventDefault();
        msg.textContent = '';
        const fd = new FormData(form);
        try {
            const body = { user: String(fd.get('user')).trim(), role: fd.get('role'), password: String(fd.get('password')) };
            for (const k of ['unit', 'team']) if (String(fd.get(k)).trim()) body[k] = String(fd.get(k)).trim();
            await api('POST', '/api/users', body);
            ctx.rerender();
        } catch (e) {
            msg.textContent = errorText(e);
        }
    } },
    h('h2', null, t('users.new')),
    h('label', null, t('login.user'), h('input', { name: 'user', required: true, autocomplete: 'off' })),
    h('label', null, t('users.role'), select('role', ROLES.map((r) => [r, t('role.' + r)]), 'analyst')),
    h('label', null, t('users.unit'), h('input', { name: 'unit', size: 10 })),
    h('label', null, t('users.team'), h('input', { name: 'team', size: 12 })),
    h('label', null, t('login.password'), h('input', { name: 'password', type: 'password', required: true, minlength: 12, autocomplete: 'new-password' })),
    h('button', { type: 'submit', class: 'primary' }, t('users.add')), msg);
    root.append(form);
    const data = await api('GET', '/api/users');
    if (ctx.stale()) return;
    const rows = list(data, 'users');
    root.append(h('section', { class: 'panel' }, h('h2', null, t('users.list')), genericTable(rows, { 'data-testid': 'users-table' })));
}
