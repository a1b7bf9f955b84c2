// tests/web/bench-queue-page.mjs - how long the queue page takes to become usable in
// headless Chromium against a real `wachter serve` (run by tests/api/bench_queue.sh with
// 100,000 alerts in the store): from navigation to the first page of rows being shown,
// after logging in. Prints the best of five loads in milliseconds.
// Environment: WACHTER_URL, WACHTER_USER, WACHTER_PW.
import { open, login } from './lib.mjs';

const { page, close } = await open();
await login(page, process.env.WACHTER_USER, process.env.WACHTER_PW);
let best = Infinity;
for (let i = 0; i < 5; i++) {
    await page.goto('about:blank');
    const t0 = Date.now();
    await page.goto(process.env.WACHTER_URL + '/#/queue');
    await page.waitForSelector('[data-testid=queue-table] tbody tr');
    best = Math.min(best, Date.now() - t0);
}
const rows = await page.locator('[data-testid=queue-table] tbody tr').count();
await close();
console.log(`queue page usable in ${best} ms (best of 5; ${rows} rows shown)`);
