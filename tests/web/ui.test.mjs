// tests/web/ui.test.mjs - browser tests of the web application against a running server
// (tests/web/run.sh starts `wachter serve`, or the mock with --mock). The tests run in
// order and build on each other's changes: dismiss, escalate, move a case to its
// registered outcome, re-identify under four eyes, and check that a role is refused.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, login, idle, shot, BASE, PW } from './lib.mjs';

const U = {
    analyst: process.env.WACHTER_ANALYST || 'analyst1',
    vik: process.env.WACHTER_VIK || 'vik1',
    privacy: process.env.WACHTER_PRIVACY || 'priv1',
    council: process.env.WACHTER_COUNCIL || 'council1',
};
const browsers = [];
async function as(user) {
    const b = await open();
    browsers.push(b);
    await login(b.page, user);
    return b.page;
}
after(async () => {
    for (const b of browsers) await b.close().catch(() => {});
});

// goto(page, hash) shows a screen afresh (a reload when the page is on it already).
async function goto(page, hash) {
    const url = BASE + '/' + hash;
    if (page.url() === url) await page.reload();
    else await page.goto(url);
    await idle(page);
}

function num(s) {
    return parseFloat(String(s).replace(',', '.'));
}

let analyst; // the analyst's page, shared by the tests that follow
const picked = {};

test('login: a wrong password is refused, the right one opens the queue', async () => {
    const b = await open();
    browsers.push(b);
    const page = b.page;
    await page.goto(BASE + '/');
    await page.waitForSelector('[data-testid=login-form]');
    assert.match(page.url(), /#\/login/);
    await shot(page, 'login');
    await page.fill('#login-user', U.analyst);
    await page.fill('#login-password', PW + '-wrong');
    await page.click('form[data-testid=login-form] button[type=submit]');
    await page.waitForFunction(() => document.querySelector('[data-testid=login-error]').textContent.length > 0);
    assert.match(await page.textContent('[data-testid=login-error]'), /onjuist|pogingen/);
    await page.fill('#login-password', PW);
    await page.click('form[data-testid=login-form] button[type=submit]');
    await page.waitForSelector('[data-testid=queue-table]');
    assert.match(page.url(), /#\/queue/);
    assert.equal(await page.textContent('[data-testid=current-user]'), U.analyst);
    analyst = page;
});

test('queue: one page of alerts by score, with pseudonyms, score bars and indicators', async () => {
    const page = analyst;
    await goto(page, '#/queue?status=all');
    const rows = await page.$$eval('[data-testid=queue-table] tbody tr', (trs) => trs.map((tr) => ({
        id: tr.dataset.alertId,
        cells: [...tr.cells].map((td) => td.textContent),
        score: tr.querySelector('.score .num').textContent,
        bar: tr.querySelector('.score .fill').style.width,
        chips: tr.querySelectorAll('.chip').length,
        status: tr.querySelector('[data-status]').dataset.status,
    })));
    assert.ok(rows.length > 0 && rows.length <= 50, 'one page of at most 50 rows, got ' + rows.length);
    const scores = rows.map((r) => num(r.score));
    for (let i = 1; i < scores.length; i++) assert.ok(scores[i - 1] >= scores[i], 'sorted by score');
    for (const r of rows) {
        assert.match(r.cells[1], /^P-[a-z2-7]+$/, 'pseudonym, never a name');
        assert.ok(r.chips > 0, 'indicators shown');
        assert.match(r.bar, /%$/);
    }
    assert.match(await page.textContent('[data-testid=queue-count]'), /1–\d+ van \d+/);
    const total = parseInt((await page.textContent('[data-testid=queue-count]')).match(/van ([\d.]+)/)[1].replace(/\./g, ''), 10);
    if (total > 50) {
        await page.click('a[rel=next]');
        await page.waitForFunction(() => location.hash.includes('page=2'));
        await idle(page);
        assert.match(await page.textContent('[data-testid=queue-count]'), /^51–/);
    }
    // Filter: only new alerts of the first row's unit.
    await goto(page, '#/queue');
    const unit = rows[0].cells[6].split(' · ')[0];
    await page.fill('input[name=unit]', unit);
    await page.click('[data-testid=queue-filters] button[type=submit]');
    await page.waitForFunction((u) => location.hash.includes('unit=' + u), unit);
    await idle(page);
    const units = await page.$$eval('[data-testid=queue-table] tbody tr td:last-child', (tds) => tds.map((td) => td.textContent.split(' · ')[0]));
    assert.ok(units.length > 0 && units.every((u) => u === unit), 'filtered on unit');
    picked.rows = rows.filter((r) => r.status === 'new');
    assert.ok(picked.rows.length >= 3, 'at least three new alerts to work with');
    await goto(page, '#/queue');
    await shot(page, 'queue');
});

test('indicators: filter and chips use the catalogue of the server, titled in the chosen language', async () => {
    const page = analyst;
    await goto(page, '#/queue?status=all');
    const catalogue = (await page.evaluate(async () => (await fetch('/api/indicators')).json())).indicators;
    assert.ok(catalogue.length >= 10, 'the catalogue lists the indicators');
    const options = () => page.$$eval('[data-testid=queue-filters] select[name=indicator] option', (os) => os.filter((o) => o.value).map((o) => [o.value, o.textContent]));
    assert.deepEqual(await options(), catalogue.map((i) => [i.name, i.title_nl]));
    const titles = new Set(catalogue.map((i) => i.title_nl));
    const chips = await page.$$eval('[data-testid=queue-table] .chip', (cs) => cs.map((c) => c.textContent));
    assert.ok(chips.length > 0 && chips.every((c) => titles.has(c)), 'every chip carries a catalogue title: ' + chips.filter((c) => !titles.has(c)));
    await page.click('#lang button[lang=en]');
    await idle(page);
    assert.deepEqual(await options(), catalogue.map((i) => [i.name, i.title_en]));
    await page.click('#lang button[lang=nl]');
    await idle(page);
    assert.equal((await options())[0][1], catalogue[0].title_nl);
});

test('alert detail: explanations, baseline, timeline and the activity chart', async () => {
    const page = analyst;
    const a = picked.rows[0];
    await goto(page, '#/alerts/' + a.id);
    await page.waitForSelector('[data-testid=explanation]');
    const expl = await page.$$eval('[data-testid=explanation]', (ps) => ps.map((p) => p.textContent));
    assert.ok(expl.length > 0 && expl.every((s) => s.length > 10), 'explanations shown');
    assert.ok(await page.$('.baseline'), 'baseline shown');
    assert.ok((await page.$$('[data-testid=timeline] li.event')).length > 0, 'timeline of evidence events');
    await page.waitForSelector('canvas[data-testid=activity-chart][data-rendered=true], [data-testid=activity-none]', { timeout: 10000 });
    assert.equal(await page.$('[data-testid=activity-none]'), null,
        `GET /api/alerts/${a.id}/activity returned no days, so there is no chart to draw`);
    const drawn = await page.evaluate(() => {
        const c = document.querySelector('canvas[data-testid=activity-chart]');
        const chart = window.Chart && window.Chart.getChart(c);
        const ctx = c.getContext('2d');
        const px = ctx.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) n++;
        return { chart: !!chart, datasets: chart ? chart.data.datasets.length : 0, points: chart ? chart.data.labels.length : 0, pixels: n };
    });
    assert.ok(drawn.chart, 'a Chart.js instance');
    assert.equal(drawn.datasets, 3);
    assert.ok(drawn.points > 0);
    assert.ok(drawn.pixels > 1000, 'the canvas has drawn pixels: ' + drawn.pixels);
    // Untrusted evidence stays text (the mock plants HTML in it); no script ran.
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(await page.$('#app img, #app svg, #app script'), null);
    assert.deepEqual(page.problems, []);
    await page.evaluate(() => {
        const box = document.querySelector('canvas[data-testid=activity-chart]').closest('section');
        window.scrollTo(0, box.getBoundingClientRect().top + window.scrollY - 330);
    });
    await shot(page, 'alert');
    await page.evaluate(() => window.scrollTo(0, 0));
    // English: the explanation switches language.
    const nl = expl[0];
    await page.click('button.lang[lang=en]');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await idle(page);
    await page.waitForSelector('[data-testid=explanation]');
    assert.equal(await page.textContent('#nav a[href="#/queue"]'), 'Alerts');
    const en = await page.textContent('[data-testid=explanation]');
    assert.notEqual(en, nl, 'explanation in English');
    await page.click('button.lang[lang=nl]');
    await page.waitForFunction(() => document.documentElement.lang === 'nl');
    await idle(page);
});

test('dismiss: the analyst dismisses an alert with a reason', async () => {
    const page = analyst;
    const a = picked.rows[picked.rows.length - 1];
    await goto(page, '#/alerts/' + a.id);
    await page.selectOption('[data-testid=dismiss-reason]', 'false_positive');
    await page.fill('[data-testid=dismiss-form] input[name=note]', 'routine check of a licence plate, case known');
    await page.click('[data-testid=dismiss-button]');
    await page.waitForSelector('[data-testid=alert-status] [data-status=dismissed]');
    assert.ok(await page.$('[data-testid=alert-closed]'));
    assert.ok((await page.$$('[data-testid=alert-history] tbody tr')).length >= 1, 'history records the dismissal');
    await goto(page, '#/queue');
    const ids = await page.$$eval('[data-testid=queue-table] tbody tr', (trs) => trs.map((tr) => tr.dataset.alertId));
    assert.ok(!ids.includes(String(a.id)), 'gone from the new alerts');
});

test('escalation through triage to a registered outcome', async () => {
    const page = analyst;
    const a = picked.rows[1];
    await goto(page, '#/alerts/' + a.id);
    await page.selectOption('[data-testid=escalate-to]', 'triage');
    await page.fill('[data-testid=escalate-form] input[name=note]', 'relatives looked up without a case');
    await page.click('[data-testid=escalate-button]');
    await page.waitForSelector('[data-testid=alert-status] [data-status=escalated]');

    const vik = await as(U.vik);
    await goto(vik, '#/cases');
    const link = await vik.$(`[data-testid=cases-table] tbody tr:has-text("${a.cells[0]}") a`);
    assert.ok(link, 'the case is in the VIK list');
    await link.click();
    await vik.waitForSelector('[data-testid=case-state][data-state=triage]');
    await idle(vik);
    const items = await vik.$$('[data-testid=checklist] textarea[data-check]');
    assert.equal(items.length, 10, 'the 10-point triage checklist');
    // Choosing an option with an incomplete checklist is refused by the form.
    await vik.selectOption('[data-testid=transition-to]', 'do_vik');
    await vik.fill('[data-testid=transition-note]', 'triage meeting of this week');
    await vik.click('[data-testid=transition-button]');
    assert.match(await vik.textContent('[data-testid=transition-error]'), /checklist/);
    for (const [i, ta] of items.entries()) await ta.fill(`punt ${i + 1}: besproken in de triage`);
    await vik.evaluate(() => window.scrollTo(0, 0));
    await shot(vik, 'case');
    await vik.click('[data-testid=transition-button]');
    await vik.waitForSelector('[data-testid=case-state][data-state=do_vik]');

    const step = async (to, fill) => {
        await idle(vik);
        await vik.selectOption('[data-testid=transition-to]', to);
        if (fill) await fill();
        await vik.fill('[data-testid=transition-note]', 'stap naar ' + to);
        await vik.click('[data-testid=transition-button]');
        await vik.waitForSelector(`[data-testid=case-state][data-state=${to}]`);
    };
    await step('afdoeningsoverleg');
    await step('besluit', async () => {
        await vik.fill('[data-testid=decided-by]', 'politiechef eenheid Noord-Nederland');
        await vik.selectOption('[data-testid=advice-followed]', '1');
    });
    await step('registered', async () => {
        await vik.selectOption('[data-testid=misconduct]', 'onrechtmatig_raadplegen');
        await vik.selectOption('[data-testid=transition-outcome]', 'schriftelijke_berisping');
    });
    assert.match(await vik.textContent('[data-testid=case-outcome]'), /onrechtmatig raadplegen/);
    await step('closed');
    assert.ok(await vik.$('[data-testid=case-final]'));
    const hist = await vik.$$eval('[data-testid=case-history] tbody tr', (trs) => trs.map((tr) => tr.textContent));
    assert.ok(hist.length >= 6, 'history of every step: ' + hist.length);
    assert.ok(hist.some((h) => h.includes(U.vik) && h.includes('stap naar besluit')), 'who and why recorded');
    assert.deepEqual(vik.problems, []);
});

test('four-eyes re-identification: analyst asks, VIK approves, analyst sees the number', async () => {
    const page = analyst;
    const p = picked.rows[0].cells[1];
    await goto(page, '#/alerts/' + picked.rows[0].id);
    await page.click('[data-testid=reveal-link]');
    await page.waitForSelector('[data-testid=reveal-form]');
    assert.equal(await page.inputValue('#reveal-pseudonym'), p);
    await page.fill('#reveal-reason', 'melding ' + picked.rows[0].cells[0] + ': gesprek door leidinggevende nodig');
    await page.click('[data-testid=reveal-request]');
    await page.waitForSelector('[data-testid=my-reveals] li[data-status=pending]');
    const id = await page.getAttribute('[data-testid=my-reveals] li[data-status=pending]', 'data-reveal-id');
    assert.equal(await page.$('[data-testid=revealed-number]'), null, 'no number before approval');

    const vik = browsers.length > 1 ? browsers[browsers.length - 1].page : await as(U.vik);
    await goto(vik, '#/reveal');
    await vik.waitForSelector(`[data-testid=approve-${id}]`);
    await vik.click(`[data-testid=approve-${id}]`);
    await vik.waitForSelector('[data-testid=approve-done]:not([hidden])');

    await goto(page, '#/reveal');
    await page.waitForSelector(`[data-testid=my-reveals] li[data-reveal-id="${id}"][data-status=approved]`);
    const number = await page.textContent('[data-testid=revealed-number]');
    assert.ok(number.trim().length > 0 && !number.startsWith('P-'), 'an employee number: ' + number);
});

test('the privacy officer sees the audit log, including the re-identification', async () => {
    const page = await as(U.privacy);
    await goto(page, '#/audit');
    await page.waitForSelector('[data-testid=audit-table] tbody tr');
    const text = await page.textContent('[data-testid=audit-table]');
    assert.match(text, new RegExp(U.analyst));
    assert.match(text, /reveal|heridentificatie/i);
});

test('trends and figures: charts and a CSV export', async () => {
    const page = analyst;
    await goto(page, '#/trends');
    await page.waitForSelector('canvas[data-testid=trends-chart]');
    const n = await page.$$eval('canvas[data-testid=trends-chart]', (cs) => cs.filter((c) => window.Chart.getChart(c)).length);
    assert.ok(n >= 1, 'Chart.js charts: ' + n);
    const href = await page.getAttribute('[data-testid=csv-link]', 'href');
    const csv = await page.evaluate(async (u) => {
        const r = await fetch(u, { credentials: 'same-origin' });
        return { status: r.status, text: await r.text() };
    }, href);
    assert.equal(csv.status, 200);
    assert.match(csv.text.split('\n')[0], /,/);
    await shot(page, 'trends');
});

test('a role that is refused: the works council cannot open the queue', async () => {
    const page = await as(U.council);
    assert.match(page.url(), /#\/council/);
    await idle(page);
    assert.ok(!(await page.$('#nav a[href="#/queue"]')), 'no queue in the council navigation');
    await goto(page, '#/queue');
    await page.waitForSelector('[data-testid=forbidden]');
    assert.match(await page.textContent('[data-testid=forbidden]'), /Geen toegang/);
    await goto(page, '#/alerts/' + picked.rows[0].id);
    await page.waitForSelector('[data-testid=forbidden]');
    await goto(page, '#/council');
    await page.waitForSelector('[data-testid=council]');
});

test('after logout every screen asks to log in again', async () => {
    const page = analyst;
    await page.click('#logout');
    await page.waitForSelector('[data-testid=login-form]');
    await goto(page, '#/queue');
    await page.waitForSelector('[data-testid=login-form]');
    assert.match(page.url(), /#\/login/);
});
