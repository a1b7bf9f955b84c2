// tests/web/lib.mjs - shared helpers of the browser tests: Debian's chromium driven by
// playwright-core (no browser is ever downloaded), login, screenshots.
//
// Environment: WACHTER_URL (the server under test, e.g. http://127.0.0.1:18080),
// WACHTER_PW (the password of every test user), WACHTER_SCREENSHOTS=1 to save
// docs/screenshots/*.png, CHROMIUM (default /usr/bin/chromium).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = process.env.WACHTER_URL || 'http://127.0.0.1:8090';
export const PW = process.env.WACHTER_PW || 'wachter-test-pw';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

// open(): a browser of its own with a fresh profile (--user-data-dir in a new temporary
// directory, which playwright passes for a persistent context) at 1280x800. Returns
// {page, close}; page.problems collects page errors and dialogs (an XSS would open one).
// Each user in a test gets their own browser, so cookies and localStorage never mix.
export async function open() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wachter-chromium-'));
    const context = await chromium.launchPersistentContext(dir, {
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        viewport: { width: 1280, height: 800 },
        locale: 'nl-NL',
        timezoneId: 'Europe/Amsterdam',
        acceptDownloads: false,
    });
    const page = context.pages()[0] || (await context.newPage());
    page.problems = [];
    page.on('pageerror', (e) => page.problems.push('pageerror: ' + e.message));
    page.on('dialog', (d) => {
        page.problems.push('dialog: ' + d.message());
        d.dismiss().catch(() => {});
    });
    const close = async () => {
        await context.close();
        fs.rmSync(dir, { recursive: true, force: true });
    };
    return { page, context, close };
}

export async function login(page, user, password = PW) {
    await page.goto(BASE + '/#/login');
    await page.fill('#login-user', user);
    await page.fill('#login-password', password);
    await page.click('form[data-testid=login-form] button[type=submit]');
    await page.waitForSelector('[data-testid=current-user]');
}

export async function shot(page, name) {
    if (process.env.WACHTER_SCREENSHOTS !== '1') return;
    const dir = path.join(ROOT, 'docs', 'screenshots');
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, name + '.png'), fullPage: false });
}

// idle(page): wait until the screen of the current address has finished loading. A
// screen that is not busy may still be the previous one: the hashchange event that renders
// the new address comes a task after the address changed, hence data-shown.
export async function idle(page) {
    await page.waitForFunction(() => {
        const app = document.getElementById('app');
        return !app.hasAttribute('aria-busy') && app.dataset.shown === location.hash;
    });
}
