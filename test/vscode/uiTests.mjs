// Agent Meter driven like a user in a real VS Code (code-server + Chromium): the status bar text, the Show Session
// Cost quick pick and its breakdown, the budget panel rendering the fixture's totals; screenshots of each in the
// light and the dark theme; and the append → status bar latency as the browser sees it (the DOM of the status bar,
// so the extension host → workbench hop is included). Exit code 0 = every check passed.
// The extension under test is the packaged .vsix (npm run package), installed into code-server like a user would.
// Usage: node test/vscode/uiTests.mjs [--vsix FILE] [--out DIR] [--rounds N]   (after npm run package and
// test/vscode/host/setup.sh)
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { launchChromium, openWorkbench, runCommand, startCodeServer, THEMES } from './host/csHarness.mjs';
import { assistantLine, prepareWorld } from './fixtureWorld.mjs';

const repo = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const { values: args } = parseArgs({
  options: {
    vsix: { type: 'string', default: path.join(repo, 'agent-meter.vsix') },
    out: { type: 'string', default: path.join(repo, 'test-output', 'screenshots') },
    rounds: { type: 'string', default: '30' },
  },
});
if (!fs.existsSync(args.vsix)) {
  console.error(`uiTests: ${args.vsix} is missing; run npm run package first`);
  process.exit(1);
}
const out = path.resolve(args.out);
fs.mkdirSync(out, { recursive: true });
const world = prepareWorld(repo);
const exp = world.expected;
const money = (usd) => `$${usd.toFixed(2)}`;
const fill = Math.round((100 * exp.latest.contextTokens) / exp.latest.contextWindow);
const wantStatus = `${money(exp.latest.cliCostUsd)} · ${fill}% ctx`;
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
const figures = {};

const statusItem = (page) => page.locator('.statusbar-item', { hasText: /\$\d+\.\d\d( · \d+% ctx| today)/ }).first();

async function session(theme, measure) {
  const cs = await startCodeServer({ folder: world.ws, env: world.env, vsix: [path.resolve(args.vsix)], settings: { 'workbench.colorTheme': THEMES[theme] } });
  const browser = await launchChromium();
  const errors = [];
  try {
    // Not an Extension Development Host: that window ignores the user's colour theme.
    const page = await openWorkbench(cs, browser, { folder: world.ws, colorTheme: THEMES[theme], onLog: () => {} });
    page.on('pageerror', (e) => errors.push(e.message));
    const item = statusItem(page);
    await item.waitFor({ timeout: 30_000 });
    const text = (await item.innerText()).trim();
    check(text === wantStatus, `[${theme}] status bar shows "${wantStatus}" (got "${text}")`);
    await page.mouse.move(640, 300);
    await item.screenshot({ path: path.join(out, `statusbar-${theme}.png`) });
    await page.locator('.part.statusbar').screenshot({ path: path.join(out, `statusbar-row-${theme}.png`) });

    // Show Session Cost: the list of sessions, then the latest one's breakdown.
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill('>Agent Meter: Show Session Cost');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Agent Meter: Show Session Cost' }).first().click();
    const firstRow = page.locator('.quick-input-list .monaco-list-row').first();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: '% ctx' }).first().waitFor({ timeout: 10_000 });
    const rowText = await firstRow.innerText();
    check(rowText.includes(exp.latest.sessionId.slice(0, 8)) && rowText.includes(money(exp.latest.cliCostUsd)), `[${theme}] the quick pick lists the latest session first with its cost`);
    await page.screenshot({ path: path.join(out, `quickpick-${theme}.png`) });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Copy as JSON' }).first().waitFor({ timeout: 10_000 });
    const breakdown = await page.locator('.quick-input-list').innerText();
    check(breakdown.includes('By model') && breakdown.includes('By token type') && breakdown.includes(money(exp.latest.cliCostUsd)), `[${theme}] the breakdown shows model and token-type sections and the session's cost`);
    await page.screenshot({ path: path.join(out, `breakdown-${theme}.png`) });
    await page.keyboard.press('Escape');

    // The budget panel: rendered from the snapshot, with the latest session's cost.
    await runCommand(page, 'Agent Meter: Open Budget Panel');
    const web = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await web.locator('[data-testid=period-today]').waitFor({ timeout: 30_000 });
    const sessionCost = (await web.locator('[data-testid=session-cost]').innerText()).trim();
    check(sessionCost === money(exp.latest.cliCostUsd), `[${theme}] the panel shows the session's cost ${money(exp.latest.cliCostUsd)} (got "${sessionCost}")`);
    const quality = await web.locator('[data-testid=data-quality]').innerText();
    check(/\d+ files/.test(quality), `[${theme}] the panel's data-quality line counts files ("${quality.split('\n')[0]}")`);
    await page.screenshot({ path: path.join(out, `panel-${theme}.png`) });
    if (!measure) {
      // Pin another session, then follow the latest again.
      const other = world.report.sessions[1];
      const costShown = async () => (await web.locator('[data-testid=session-cost]').innerText()).trim();
      await web.locator('[data-testid=session-picker]').selectOption(other.sessionId);
      await web.locator('[data-testid=session-cost]', { hasText: money(other.costUsd) }).waitFor({ timeout: 10_000 }).catch(() => {});
      const pinned = await costShown();
      await web.locator('[data-testid=session-picker]').selectOption('*latest*');
      await web.locator('[data-testid=session-cost]', { hasText: money(exp.latest.cliCostUsd) }).waitFor({ timeout: 10_000 }).catch(() => {});
      const followed = await costShown();
      check(
        pinned === money(other.costUsd) && followed === money(exp.latest.cliCostUsd),
        `[${theme}] the session picker pins ${other.sessionId.slice(0, 8)} (${pinned}, want ${money(other.costUsd)}) and follows the latest again (${followed})`,
      );
    }
    // All time: every session of the fixtures is a row of the sessions table.
    await web.locator('[data-testid=range-all]').click();
    await web.locator('[data-testid=table-body] tr').nth(exp.sessions - 1).waitFor({ timeout: 10_000 });
    const rows = await web.locator('[data-testid=table-body] tr').count();
    check(rows === exp.sessions, `[${theme}] the sessions table lists all ${exp.sessions} sessions for "All" (got ${rows})`);
    await page.screenshot({ path: path.join(out, `panel-tables-${theme}.png`) });

    if (!measure) {
      // A reload brings the panel back through its serializer, with the state the webview saved ("All").
      await runCommand(page, 'Developer: Reload Window');
      await page.locator('.monaco-workbench').waitFor({ timeout: 30_000 });
      const again = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await again.locator('[data-testid=period-today]').waitFor({ timeout: 30_000 });
      await again.locator('[data-testid=range-all][aria-pressed=true]').waitFor({ timeout: 10_000 });
      const restoredRows = await again.locator('[data-testid=table-body] tr').count();
      check(restoredRows === exp.sessions, `[${theme}] after a window reload the panel is back, still on "All" (${restoredRows} rows)`);
    }

    if (measure) {
      // Append lines to a new session and time each status bar change in the workbench DOM.
      const rounds = Number(args.rounds);
      const sessionId = `ff000000-0000-4000-8000-${String(Date.now()).slice(-12)}`;
      const dir = path.join(world.projects, '-tmp-ui-live');
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${sessionId}.jsonl`);
      const latencies = [];
      for (let n = 1; n <= rounds; n++) {
        const want = `${money(n * 0.024)} · 2% ctx`;
        const t0 = performance.now();
        fs.appendFileSync(file, assistantLine(sessionId, n, '/tmp/ui-live'));
        await page.waitForFunction((w) => [...document.querySelectorAll('.statusbar-item')].some((e) => e.textContent?.trim() === w), want, { polling: 'raf', timeout: 5_000 });
        latencies.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 60 + (n % 5) * 20));
      }
      latencies.sort((a, b) => a - b);
      const p = (q) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)];
      figures.appendToStatusBarDom = { rounds, p50Ms: Math.round(p(0.5)), p95Ms: Math.round(p(0.95)), maxMs: Math.round(latencies.at(-1)) };
      check(p(0.95) <= 250, `append → status bar in the workbench DOM: p50 ${p(0.5).toFixed(0)} ms, p95 ${p(0.95).toFixed(0)} ms (target ≤ 250)`);
      await item.screenshot({ path: path.join(out, `statusbar-live-${theme}.png`) });
    }
    check(errors.length === 0, `[${theme}] no page errors${errors.length ? `: ${errors.join('; ')}` : ''}`);
  } finally {
    await browser.close();
    await cs.stop();
  }
}

try {
  // Light first: the dark pass appends a live session (the latency measurement) after its own checks.
  await session('light', false);
  await session('dark', true);
} catch (e) {
  failures.push(String(e?.stack ?? e));
  console.error(e);
}
console.log(`ui figures: ${JSON.stringify(figures)}`);
console.log(`screenshots: ${out}`);
console.log(failures.length ? `${failures.length} UI check(s) failed` : 'all UI checks passed');
if (!failures.length) fs.rmSync(world.work, { recursive: true, force: true });
process.exit(failures.length ? 1 : 0);
