// Agent Meter driven like a user in a real VS Code (code-server + Chromium): the status bar text, the notifications
// of the fixtures' findings, the Show Session Cost quick pick and its breakdown, the budget panel rendering the
// fixture's totals, budgets (bars, forecast, guard state) and findings (Show session, Snooze that survives a reload);
// screenshots of each in the light and the dark theme; and the append → status bar latency as the browser sees it
// (the DOM of the status bar, so the extension host → workbench hop is included). Exit code 0 = every check passed.
// The fixtures' clock is moved so their newest request was five minutes ago (fixtureWorld `liveAt`): their spend is
// today's and their findings are live, and the budgets below are set from the CLI's figures so the bars show a
// throttle, a warn and an ok level with their forecasts.
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
const world = prepareWorld(repo, { liveAt: new Date(Date.now() - 5 * 60_000) });
const exp = world.expected;
const budgets = budgetSettings(world.report);
const findingCount = exp.findingSessions.reduce((n, s) => n + s.findings.length, 0);
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

/**
 * Budgets (user settings) from the CLI's figures at world time: today at 93% (throttle), the month at 78% (warn), the
 * week at 55% and the latest session at 40% (ok); the time zone is UTC like the report's days.
 */
function budgetSettings(report) {
  const today = new Date().toISOString().slice(0, 10);
  const monday = new Date(Date.parse(`${today}T00:00:00Z`) - ((new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
  const spent = (from) => report.days.filter((d) => d.date >= from && d.date <= today).reduce((a, d) => a + d.costUsd, 0);
  const round = (usd) => Math.max(0.01, Math.round(usd * 100) / 100);
  return {
    'agentMeter.timeZone': 'UTC',
    'agentMeter.budgets.daily': round(spent(today) / 0.93),
    'agentMeter.budgets.weekly': round(spent(monday) / 0.55),
    'agentMeter.budgets.monthly': round(spent(`${today.slice(0, 8)}01`) / 0.78),
    'agentMeter.budgets.session': round(report.sessions[0].costUsd / 0.4),
  };
}

async function session(theme, measure) {
  const cs = await startCodeServer({ folder: world.ws, env: world.env, vsix: [path.resolve(args.vsix)], settings: { 'workbench.colorTheme': THEMES[theme], ...budgets } });
  const browser = await launchChromium();
  const errors = [];
  try {
    // Not an Extension Development Host: that window ignores the user's colour theme.
    const page = await openWorkbench(cs, browser, { folder: world.ws, colorTheme: THEMES[theme], viewport: { width: 1280, height: 1000 }, onLog: () => {} });
    page.on('pageerror', (e) => errors.push(e.message));
    const item = statusItem(page);
    await item.waitFor({ timeout: 30_000 });
    const text = (await item.innerText()).trim();
    check(text === wantStatus, `[${theme}] status bar shows "${wantStatus}" (got "${text}")`);
    await page.mouse.move(640, 300);
    await item.screenshot({ path: path.join(out, `statusbar-${theme}.png`) });
    await page.locator('.part.statusbar').screenshot({ path: path.join(out, `statusbar-row-${theme}.png`) });

    // Notifications: the day's throttle, the fixtures' fresh findings and the month's warn arrive in one pass; the
    // loudest two are shown and the rest folded into one "more" toast (notificationPlan MAX_PER_PASS), each once.
    const toasts = page.locator('.notifications-toasts');
    await toasts.locator('.notification-toast', { hasText: 'Daily budget at' }).first().waitFor({ timeout: 20_000 });
    await page.waitForTimeout(2500); // the next pass of the detectors (2 s) must not add a second toast of the same
    const toastText = await toasts.innerText();
    check(/Daily budget at 9\d%/.test(toastText) && /Open Panel/.test(toastText) && /Snooze/.test(toastText), `[${theme}] a notification says the daily budget's throttle, with Open Panel and Snooze`);
    check(/Context at \d+% of the window/.test(toastText), `[${theme}] a notification names the critical context creep`);
    check((toastText.match(/Daily budget at/g) ?? []).length === 1 && (await toasts.locator('.notification-toast').count()) <= 3, `[${theme}] each notified once, at most three toasts`);
    await page.screenshot({ path: path.join(out, `notifications-${theme}.png`) });
    await runCommand(page, 'Notifications: Clear All Notifications');

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
    // Budgets: the bars with their forecast, the guard's state, and the findings of the live fixtures.
    const guardText = (await web.locator('[data-testid=guard-text]').innerText()).trim();
    check(/^Guard: throttle — Daily budget at 9\d% \(\$/.test(guardText), `[${theme}] the guard line says throttle for the daily budget ("${guardText}")`);
    const monthCard = await web.locator('[data-testid=period-month]').innerText();
    check(/Forecast \$[\d,]+\.\d\d at month end/.test(monthCard) && /— warn/.test(monthCard), `[${theme}] the month's card shows its warn level and forecast`);
    check((await web.locator('[data-testid=period-session]').count()) === 1, `[${theme}] the session budget has its card`);
    check((await web.locator('[data-testid=period-today] .bar-forecast').count()) === 1, `[${theme}] today's bar shows the forecast`);
    await web.locator('[data-testid=finding]').nth(findingCount - 1).waitFor({ timeout: 10_000 });
    const cards = await web.locator('[data-testid=finding]').count();
    const retry = await web.locator('[data-testid=finding]', { hasText: 'The same command failed 4 times' }).innerText();
    check(cards === findingCount && /at stake/.test(retry) && /requests 1–4/.test(retry) && /Suggested:/.test(retry), `[${theme}] the panel lists the ${findingCount} findings, the retry loop with dollars, requests and a suggestion (${cards} cards)`);
    await page.screenshot({ path: path.join(out, `panel-${theme}.png`) });
    if (!measure) {
      // "Show session" on the context-creep finding selects that session; back to following the latest.
      const creepSession = exp.findingSessions.find((s) => s.scenario.includes('context'));
      const creepCost = world.report.sessions.find((s) => s.sessionId === creepSession.sessionId).costUsd;
      await web.locator('[data-testid=finding]', { hasText: 'Context at' }).locator('[data-testid=finding-show-session]').click();
      await web.locator('[data-testid=session-cost]', { hasText: money(creepCost) }).waitFor({ timeout: 10_000 }).catch(() => {});
      const shownCost = (await web.locator('[data-testid=session-cost]').innerText()).trim();
      check(shownCost === money(creepCost), `[${theme}] "Show session" on a finding selects its session (${shownCost}, want ${money(creepCost)})`);
      await web.locator('[data-testid=session-picker]').selectOption('*latest*');
      await web.locator('[data-testid=session-cost]', { hasText: money(exp.latest.cliCostUsd) }).waitFor({ timeout: 10_000 }).catch(() => {});
    }
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

    let snoozed = null;
    if (!measure) {
      // Snooze the retry loop: its card goes; after the reload below it must still be gone (globalState).
      const card = web.locator('[data-testid=finding]', { hasText: 'The same command failed 4 times' });
      snoozed = await card.getAttribute('data-finding-id');
      await card.locator('[data-testid=finding-snooze]').click();
      await web.locator(`[data-finding-id="${snoozed}"]`).waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
      await page.waitForTimeout(2500); // a snapshot or two later, it must not come back
      const left = await web.locator('[data-testid=finding]').count();
      check(left === findingCount - 1 && (await web.locator(`[data-finding-id="${snoozed}"]`).count()) === 0, `[${theme}] Snooze hides the finding (${left} left)`);
    }

    if (!measure) {
      // A reload brings the panel back through its serializer, with the state the webview saved ("All").
      await runCommand(page, 'Developer: Reload Window');
      await page.locator('.monaco-workbench').waitFor({ timeout: 30_000 });
      const again = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await again.locator('[data-testid=period-today]').waitFor({ timeout: 30_000 });
      await again.locator('[data-testid=range-all][aria-pressed=true]').waitFor({ timeout: 10_000 });
      const restoredRows = await again.locator('[data-testid=table-body] tr').count();
      check(restoredRows === exp.sessions, `[${theme}] after a window reload the panel is back, still on "All" (${restoredRows} rows)`);
      await again.locator('[data-testid=finding]').first().waitFor({ timeout: 10_000 });
      await page.waitForTimeout(2500);
      check((await again.locator(`[data-finding-id="${snoozed}"]`).count()) === 0 && (await again.locator('[data-testid=finding]').count()) === findingCount - 1, `[${theme}] the snoozed finding stays hidden after a reload`);
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
