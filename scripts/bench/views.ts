// What the editor's views cost on a huge history: the status bar view (after every ledger update), the panel
// snapshot (at most every 250 ms while the panel is visible), a session's breakdown and the full report (Export
// Report) and the detectors' findings. Loads the benchmark corpus (run.ts generates it; default: the 500 MB one) into a ledger once, then times
// each view. A script, not a test: figures go to the README.
//
//   node --import tsx scripts/bench/views.ts [--dir CORPUS_DIR] [--runs N]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { LiveTotals } from '../../src/core/liveTotals';
import { buildPanelSnapshot } from '../../src/core/panelView';
import { PriceTable } from '../../src/core/pricing';
import { buildReport } from '../../src/core/report';
import { sessionBreakdown } from '../../src/core/sessionBreakdown';
import { statusBarView } from '../../src/core/statusBarView';
import { Meter } from '../../src/node/meter';
import { findingsOf, liveFindings } from '../../src/core/findingsView';
import { reportFindings } from '../../src/core/reportFindings';
import { defaultSettings, thresholdsOf } from '../../src/core/settings';

const { values } = parseArgs({
  options: { dir: { type: 'string', default: path.join(os.tmpdir(), 'agent-meter-bench-s1-mb500-f1500') }, runs: { type: 'string', default: '20' } },
});
const dir = path.resolve(values.dir!);
if (!fs.existsSync(path.join(dir, 'projects'))) {
  console.error(`views: no corpus at ${dir}; run npm run bench once (it keeps the corpus) or pass --dir`);
  process.exit(2);
}
const runs = Number(values.runs);
const prices = new PriceTable();

async function main(): Promise<void> {
  const meter = new Meter({ roots: [{ agent: 'claude-code', dir: fs.realpathSync(path.join(dir, 'projects')) }], workers: 0, oneShot: true });
  await meter.catchUp();
  const ledger = meter.ledger;
  const live = new LiveTotals(ledger, prices, 'Europe/Berlin');
  // "Now" just after the corpus's newest request, so today's and this hour's figures are not empty.
  const latest = live.latestSession()!;
  const now = new Date(Date.parse(latest.lastAt) + 60_000);
  const budgets = { session: null, daily: 50, weekly: 300, monthly: 1000, warnPercent: 70, throttlePercent: 90, stopPercent: 100 };

  const time = (name: string, fn: () => unknown) => {
    fn(); // warm-up (JIT, Intl formatters)
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      fn();
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    const p = (q: number) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)]!;
    console.log(`| ${name} | ${p(0.5).toFixed(p(0.5) < 1 ? 3 : 1)} ms | ${p(0.95).toFixed(p(0.95) < 1 ? 3 : 1)} ms |`);
  };

  console.log(`corpus: ${dir} — ${ledger.records.size.toLocaleString('en-US')} requests, ${live.sessions.size.toLocaleString('en-US')} sessions, zone Europe/Berlin, ${runs} runs each\n`);
  console.log('| view | p50 | p95 |');
  console.log('| --- | --- | --- |');
  time('status bar view (every update)', () => statusBarView({ live, show: 'session', budgets, contextCriticalPercent: 90, now, scanning: false, dataWarnings: [] }));
  for (const range of ['month', 'all'] as const) {
    time(`panel snapshot, tables for "${range}"`, () =>
      buildPanelSnapshot({ ledger, live, prices, budgets, state: { sessionId: null, range }, now, scanning: false, warnings: [] }),
    );
  }
  time('session breakdown (Show Session Cost)', () => sessionBreakdown(ledger, prices, latest.sessionId));
  time('full report (Export Report)', () => buildReport(ledger, prices, { timeZone: 'Europe/Berlin' }, now));
  const thresholds = thresholdsOf(defaultSettings());
  const report = buildReport(ledger, prices, { timeZone: 'Europe/Berlin' }, now);
  time('live findings (sessions of the last 24 h; the extension, at most every 2 s)', () => liveFindings(ledger, live, prices, thresholds, now));
  time('report findings, last 7 days (`report --json`)', () => reportFindings(ledger, prices, report, thresholds, now, false));
  time('findings of every session (`report --json --since` the first day)', () => findingsOf(ledger, prices, thresholds));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
