// api.js - the one place that talks to the server (docs/api.md).
//
// Every request is same-origin with the session cookie. Every state-changing request
// carries the X-CSRF-Token that the login (or /api/me) response gave. Errors become an
// ApiError with the HTTP status and the server's {"error": "..."} message; a 401 on any
// call but the login itself also calls the handler set with onUnauthorized() (the app
// sends the user to the login screen).

let csrf = null;
let unauthorized = () => {};

export class ApiError extends Error {
    constructor(status, message, body) {
        super(message);
        this.status = status;
        this.body = body;
    }
}

export function setCsrf(token) {
    csrf = token || null;
}

export function onUnauthorized(fn) {
    unauthorized = fn;
}

// api(method, path, body) returns the parsed JSON answer (null for an empty one).
export async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    const opts = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        opts.body = JSON.stringify(body);
    }
    if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
    let res;
    try {
        res = await fetch(path, opts);
    } catch (e) {
        throw new ApiError(0, String(e && e.message ? e.message : e), null);
    }
    const text = await res.text();
    let data = null;
    if (text) {
        try {
            data = JSON.parse(text);
        } catch {
            data = null;
        }
    }
    if (!res.ok) {
        const msg = data && typeof data.error === 'string' ? data.error : res.statusText;
        if (res.status === 401 && !(method === 'POST' && path === '/api/session')) unauthorized();
        throw new ApiError(res.status, msg, data);
    }
    return data;
}

// qs(params) builds "?a=1&b=2" from the non-empty values.
export function qs(params) {
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
    const s = u.toString();
    return s ? '?' + s : '';
}

// list(data, ...keys) finds the array in an answer: the answer itself or its first key
// that holds an array (servers may wrap lists as {"cases": [...]}).
export function list(data, ...keys) {
    if (Array.isArray(data)) return data;
    if (!data || typeof data !== 'object') return [];
    for (const k of keys) if (Array.isArray(data[k])) return data[k];
    for (const v of Object.values(data)) if (Array.isArray(v)) return v;
    return [];
}
