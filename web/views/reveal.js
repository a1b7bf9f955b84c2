// views/reveal.js - re-identification under the four-eyes principle.
//
// An analyst or VIK user asks for the employee number behind a pseudonym, with a reason
// (POST /api/reveal). A second user in another role (vik, privacy, admin) approves it
// (POST /api/reveal/{id}/approve). The requester then sees the number
// (GET /api/reveal/{id}) for 24 hours. The ids of one's own requests are remembered in
// this browser (localStorage, ids only); the list of requests waiting for approval comes
// from GET /api/reveal when the server offers it, and a request number can always be
// typed in.

import { api, list, ApiError } from '../api.js';
import { h, clear } from '../dom.js';
import { t } from '../i18n.js';
import { errorText } from '../app.js';
import { fmtTime, tr } from '../ui.js';

const REQUESTERS = ['analyst', 'vik'];
const APPROVERS = ['vik', 'privacy', 'admin'];

function storeKey(user) {
    return 'wachter.reveals.' + user;
}
function myIds(user) {
    try {
        const v = JSON.parse(localStorage.getItem(storeKey(user)) || '[]');
        return Array.isArray(v) ? v.filter((x) => /^[\w-]+$/.test(String(x))) : [];
    } catch {
        return [];
    }
}
function remember(user, id) {
    const ids = myIds(user).filter((x) => String(x) !== String(id));
    ids.unshift(id);
    localStorage.setItem(storeKey(user), JSON.stringify(ids.slice(0, 50)));
}

export async function render(root, ctx) {
    const me = ctx.session;
    root.append(h('h1', null, t('reveal.title')), h('p', { class: 'muted' }, t('reveal.intro')));
    if (REQUESTERS.includes(me.role)) {
        root.append(requestForm(ctx));
        const mine = h('section', { class: 'panel', 'data-testid': 'my-reveals' }, h('h2', null, t('reveal.mine')));
        root.append(mine);
        await renderMine(mine, ctx);
    }
    if (APPROVERS.includes(me.role)) {
        const box = h('section', { class: 'panel', 'data-testid': 'approvals' }, h('h2', null, t('reveal.approve.title')),
            h('p', { class: 'muted small' }, t('reveal.approve.help')));
        root.append(box);
        await renderApprovals(box, ctx);
    }
    if (!REQUESTERS.includes(me.role) && !APPROVERS.includes(me.role)) {
        throw new ApiError(403, '', null);
    }
}

function requestForm(ctx) {
    const msg = h('p', { class: 'form-error', role: 'alert' });
    const pseudo = h('input', { name: 'pseudonym', id: 'reveal-pseudonym', required: true, pattern: 'P-[a-z2-7]+', value: ctx.query.get('pseudonym') || '', class: 'mono', size: 16 });
    const reason = h('textarea', { name: 'reason', id: 'reveal-reason', required: true, rows: 3, maxlength: 2000 });
    const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'reveal-request' }, t('reveal.request'));
    return h('form', { class: 'panel', 'data-testid': 'reveal-form', onsubmit: async (ev) => {
        ev.preventDefault();
        msg.textContent = '';
        button.disabled = true;
        try {
            const res = await api('POST', '/api/reveal', { pseudonym: pseudo.value.trim(), reason: reason.value.trim() });
            if (res && res.id !== undefined) remember(ctx.session.user, res.id);
            ctx.go('#/reveal');
            ctx.rerender();
        } catch (e) {
            msg.textContent = errorText(e);
            button.disabled = false;
        }
    } },
    h('h2', null, t('reveal.new')),
    h('label', { for: 'reveal-pseudonym' }, t('queue.pseudonym')), pseudo,
    h('label', { for: 'reveal-reason' }, t('reveal.reason')), reason,
    h('p', { class: 'muted small' }, t('reveal.logged')),
    button, msg);
}

async function renderMine(box, ctx) {
    const ids = myIds(ctx.session.user);
    if (ids.length === 0) {
        box.append(h('p', { class: 'empty' }, t('reveal.none')));
        return;
    }
    const rows = await Promise.all(ids.map(async (id) => {
        try {
            return { id, r: await api('GET', '/api/reveal/' + encodeURIComponent(id)) };
        } catch (e) {
            return { id, err: e };
        }
    }));
    if (ctx.stale()) return;
    const ul = h('ul', { class: 'reveals' });
    for (const { id, r, err } of rows) {
        if (err) {
            if (err.status === 404 || err.status === 403) continue;
            ul.append(h('li', null, t('reveal.req', { id }), ': ', errorText(err)));
            continue;
        }
        const status = r.status || 'pending';
        ul.append(h('li', { 'data-reveal-id': id, 'data-status': status },
            h('strong', null, t('reveal.req', { id })), ' ',
            r.pseudonym ? h('span', { class: 'mono' }, r.pseudonym) : null, ' ',
            h('span', { class: 'badge reveal-' + String(status).replace(/[^a-z_]/gi, '') }, tr('revealstatus', status)),
            r.user ? [' ', t('reveal.number'), ' ', h('strong', { class: 'mono revealed', 'data-testid': 'revealed-number' }, r.user)] : null,
            r.expires ? h('span', { class: 'muted small' }, ' ' + t('reveal.expires', { ts: fmtTime(r.expires) })) : null));
    }
    box.append(ul, h('button', { type: 'button', onclick: () => ctx.rerender() }, t('reveal.refresh')));
}

async function renderApprovals(box, ctx) {
    const msg = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'approve-error' });
    const done = h('p', { class: 'flash ok', role: 'status', 'data-testid': 'approve-done' });
    done.hidden = true;
    const approve = async (id) => {
        msg.textContent = '';
        done.hidden = true;
        try {
            await api('POST', '/api/reveal/' + encodeURIComponent(id) + '/approve');
            done.textContent = t('reveal.approved', { id });
            done.hidden = false;
            await fillPending();
        } catch (e) {
            msg.textContent = errorText(e);
        }
    };
    const pending = h('div', { 'data-testid': 'pending-reveals' });
    const fillPending = async () => {
        clear(pending);
        let data;
        try {
            data = await api('GET', '/api/reveal?status=pending');
        } catch (e) {
            if (e.status === 404 || e.status === 405) return; /* no list on this server */
            pending.append(h('p', { class: 'form-error' }, errorText(e)));
            return;
        }
        const reqs = list(data, 'requests', 'reveals').filter((r) => (!r.status || r.status === 'pending') && r.requester !== ctx.session.user);
        if (reqs.length === 0) {
            pending.append(h('p', { class: 'empty' }, t('reveal.nopending')));
            return;
        }
        pending.append(h('ul', { class: 'reveals' }, reqs.map((r) => h('li', { 'data-reveal-id': r.id },
            h('strong', null, t('reveal.req', { id: r.id })), ' ', h('span', { class: 'mono' }, r.pseudonym || ''), ' — ',
            r.requester ? t('reveal.by', { user: r.requester }) + ' ' : '', fmtTime(r.requested || r.ts || ''),
            h('blockquote', null, r.reason || ''),
            h('button', { type: 'button', class: 'primary', 'data-testid': 'approve-' + r.id, onclick: () => approve(r.id) }, t('reveal.approve'))))));
    };
    const idInput = h('input', { name: 'id', id: 'approve-id', required: true, size: 8, inputmode: 'numeric' });
    box.append(pending, h('form', { class: 'inline-form', 'data-testid': 'approve-form', onsubmit: (ev) => {
        ev.preventDefault();
        approve(idInput.value.trim());
    } }, h('label', { for: 'approve-id' }, t('reveal.byid')), idInput, h('button', { type: 'submit' }, t('reveal.approve'))), done, msg);
    await fillPending();
}
