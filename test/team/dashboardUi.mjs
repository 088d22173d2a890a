// The team server's dashboard in a real browser (Debian's Chromium via playwright-core, from test/vscode/host):
// a server on 127.0.0.1 over SQLite, four members' usage posted through the real API, team budgets set by the
// admin API; then the page is driven like a person would (paste a token), and its figures are checked against the
// summary API. No console errors or CSP violations allowed. Screenshots in light and dark go to test-output/ (or
// `--out DIR`, e.g. docs/screenshots). Exit 0 pass, 1 fail.
// Usage: node test/team/dashboardUi.mjs [--out DIR]   (after `npm run build` and `bash test/vscode/host/setup.sh`)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../vscode/host/csHarness.mjs';
import { startServe } from './serveProcess.mjs';

const repo = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const outFlag = process.argv.indexOf('--out');
const outDir = path.resolve(repo, outFlag > 0 ? process.argv[outFlag + 1] : 'test-output/screenshots');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-dashboard-'));
const db = `sqlite:${path.join(work, 'team.db')}`;
let url = '';
const TEAM = 'platform';

function fail(message) {
  console.error(`dashboardUi: ${message}`);
  process.exitCode = 1;
}

let server;
const token = (who) => server.token(TEAM, who);

async function call(method, pathname, bearer, body) {
  const res = await fetch(`${url}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${pathname}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** A month of plausible usage for one member, deterministic (a small LCG), as the sync client would send it. */
function monthOfRows(seed, days, models, repos) {
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rows = [];
  for (const day of days) {
    for (const model of models) {
      if (rand() < 0.35) continue;
      const requests = 20 + Math.floor(rand() * 180);
      const cost = Math.round((0.5 + rand() * (model.includes('opus') ? 30 : 9)) * 1e9);
      rows.push({
        day, agent: model.startsWith('gpt') ? 'codex' : 'claude-code', model, repo: repos[Math.floor(rand() * repos.length)], branch: 'main',
        rev: 1, costNanoUsd: cost, requests, unpricedRequests: 0, webSearchRequests: Math.floor(rand() * 3),
        tokens: { input: requests * 900, output: requests * 700, cacheRead: requests * 40_000, cacheWrite5m: requests * 1_500, cacheWrite1h: requests * 300 },
      });
    }
  }
  return rows;
}

let browser;
try {
  server = await startServe(db);
  url = server.url;
  const admin = token(['--admin']);
  const today = new Date();
  const days = [];
  for (let d = 1; d <= today.getUTCDate(); d++) days.push(`${today.toISOString().slice(0, 8)}${String(d).padStart(2, '0')}`);
  const members = [
    ['ada@example.com', ['claude-sonnet-4-5-20250929', 'claude-opus-4-5-20251101'], ['checkout', 'agent-meter']],
    ['grace@example.com', ['claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001'], ['search']],
    ['linus@example.com', ['gpt-5-codex', 'gpt-5-mini'], ['kernel-tools', 'search']],
    ['margaret@example.com', ['claude-sonnet-4-5-20250929'], ['checkout']],
  ];
  for (const [i, [member, models, repos]] of members.entries()) {
    await call('POST', '/v1/usage', token(['--member', member]), {
      schema: 1, machine: `${member.split('@')[0]}-laptop`, timeZone: 'UTC', client: { name: 'agent-meter', version: 'test' }, rows: monthOfRows(i + 7, days, models, repos),
    });
  }
  await call('PUT', '/v1/admin/budgets', admin, { scope: 'team', period: 'monthly', amountUsd: 3000 });
  await call('PUT', '/v1/admin/budgets', admin, { scope: 'team', period: 'daily', amountUsd: 150 });
  await call('PUT', '/v1/admin/budgets', admin, { scope: 'team', period: 'weekly', amountUsd: 700 });
  const summary = await call('GET', '/v1/team/summary', admin);

  browser = await launchChromium();
  fs.mkdirSync(outDir, { recursive: true });
  for (const colorScheme of ['light', 'dark']) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme });
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(`${url}/`);
    await page.locator('#token').fill(admin);
    await page.locator('#token').press('Enter');
    await page.locator('#view').waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('#by-member tbody tr').first().waitFor({ timeout: 10_000 });
    const memberRows = await page.locator('#by-member tbody tr').count();
    if (memberRows !== members.length) fail(`${colorScheme}: ${memberRows} member rows, expected ${members.length}`);
    const total = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(summary.total.costUsd);
    const cards = await page.locator('#cards').innerText();
    if (!cards.includes(total)) fail(`${colorScheme}: the cards do not show the team total ${total}:\n${cards}`);
    if (!/stop|throttle|warn|ok/.test(cards)) fail(`${colorScheme}: no budget level in the cards`);
    if ((await page.locator('#chart svg rect').count()) < days.length) fail(`${colorScheme}: the day chart has fewer bars than days`);
    // The token stays in this tab's session storage, never in a cookie or the URL.
    if (page.url().includes('amt_') || (await context.cookies()).length) fail(`${colorScheme}: the token leaked into the URL or a cookie`);
    if (problems.length) fail(`${colorScheme}: console errors: ${problems.join(' | ')}`);
    const file = path.join(outDir, `team-dashboard-${colorScheme}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`dashboardUi: ${colorScheme}: ${memberRows} members, total ${total}; screenshot ${path.relative(repo, file)}`);
    await context.close();
  }
} catch (err) {
  fail(err instanceof Error ? (err.stack ?? err.message) : String(err));
} finally {
  await browser?.close();
  server?.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
if (!process.exitCode) console.log('dashboardUi: pass');
