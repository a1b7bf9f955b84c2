// views/login.js - the login screen: POST /api/session, then back to where the user was.

import { api } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { setSession, errorText, homeOf, session } from '../app.js';

export async function render(root, ctx) {
    const next = ctx.query.get('next');
    if (session()) {
        ctx.go(next && next.startsWith('#/') ? next : '#/' + homeOf(session().role));
        return;
    }
    const msg = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'login-error' });
    const user = h('input', { name: 'user', id: 'login-user', autocomplete: 'username', required: true, autofocus: true });
    const pass = h('input', { name: 'password', id: 'login-password', type: 'password', autocomplete: 'current-password', required: true });
    const button = h('button', { type: 'submit', class: 'primary' }, t('login.submit'));
    const form = h('form', { class: 'panel login', 'data-testid': 'login-form', onsubmit: async (ev) => {
        ev.preventDefault();
        msg.textContent = '';
        button.disabled = true;
        try {
            const me = await api('POST', '/api/session', { user: user.value.trim(), password: pass.value });
            setSession(me);
            ctx.go(next && next.startsWith('#/') && !next.startsWith('#/login') ? next : '#/' + homeOf(me.role));
        } catch (e) {
            msg.textContent = e.status === 401 || e.status === 403 ? t('login.failed') : errorText(e);
            pass.value = '';
            button.disabled = false;
            pass.focus();
        }
    } },
    h('h1', null, t('login.title')),
    ctx.query.get('expired') ? h('p', { class: 'notice' }, t('login.expired')) : null,
    h('label', { for: 'login-user' }, t('login.user')), user,
    h('label', { for: 'login-password' }, t('login.password')), pass,
    button, msg,
    h('p', { class: 'muted small' }, t('login.notice')));
    root.append(form);
    user.focus();
}
