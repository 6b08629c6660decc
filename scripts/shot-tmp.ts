import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
const base = 'http://127.0.0.1:8080';
const pass = readFileSync('/tmp/demo2/demo-credentials.txt', 'utf8').split('\n')[1] as string;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
page.on('pageerror', (e) => console.log('pageerror:', e.message));
page.on('response', async (r) => {
  if (r.status() >= 400) console.log(r.status(), r.url(), (await r.text().catch(() => '')).slice(0, 300));
});
const timings: string[] = [];
page.on('requestfinished', (r) => {
  const t = r.timing();
  if (r.url().includes('/api/')) timings.push(`${Math.round(t.responseEnd)}ms ${r.url().replace(base, '').slice(0, 120)}`);
});
await page.goto(`${base}/homes`);
await page.getByLabel('Username').fill('demo-admin');
await page.getByLabel('Password').fill(pass);
let t = Date.now();
await page.getByRole('button', { name: 'Log in' }).click();
await page.locator('tbody tr').first().waitFor();
console.log('fleet', Date.now() - t);
await page.screenshot({ path: '/tmp/fleet.png', fullPage: true });
for (const url of process.argv.slice(2)) {
  timings.length = 0;
  t = Date.now();
  await page.goto(`${base}${url}`);
  await page.waitForLoadState('networkidle', { timeout: 60_000 }).catch(() => console.log('not idle'));
  console.log(url, Date.now() - t, '\n ', timings.join('\n  '));
  const name = url.replace(/[^a-z0-9]+/gi, '_');
  await page.screenshot({ path: `/tmp/${name}.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: `/tmp/${name}_phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1366, height: 900 });
}
await browser.close();
