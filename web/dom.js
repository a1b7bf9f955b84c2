// dom.js - building DOM without HTML strings.
//
// Everything the application shows that came from the server (alert evidence is copied
// from audit logs and is untrusted) goes through h() or text(): values become text nodes
// or attribute values, never markup. The application never assigns innerHTML.

const PROPS = new Set(['value', 'checked', 'selected', 'disabled', 'required', 'multiple']);

// h(tag, attrs, ...children) creates an element. attrs: "class", "dataset" (object),
// "style" (object), on<event> (function), value/checked/... (set as properties), anything
// else as an attribute (null/false leaves it out). Children: nodes, strings, numbers or
// (nested) arrays of them; null/false/undefined are skipped.
export function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    if (attrs) {
        for (const [k, v] of Object.entries(attrs)) {
            if (v === null || v === undefined || v === false) continue;
            if (k === 'class') el.className = v;
            else if (k === 'dataset') Object.assign(el.dataset, v);
            else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
            else if (k.startsWith('on') && typeof v === 'function')
                el.addEventListener(k.slice(2), v);
            else if (PROPS.has(k)) el[k] = v;
            else el.setAttribute(k, v === true ? '' : String(v));
        }
    }
    add(el, children);
    return el;
}

// add(el, children) appends children as h() does.
export function add(el, ...children) {
    for (const c of children.flat(Infinity)) {
        if (c === null || c === undefined || c === false) continue;
        el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
}

// clear(el) removes all children.
export function clear(el) {
    el.replaceChildren();
    return el;
}

// select(name, options, current, attrs): options are [value, label] pairs.
export function select(name, options, current, attrs = {}) {
    return h('select', { name, ...attrs },
        options.map(([v, label]) => h('option', { value: v, selected: String(v) === String(current ?? '') }, label)));
}
