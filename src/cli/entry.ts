// `agent-meter` (dist/cli.js): answers the two calls that must be instant from small files — a Claude Code
// statusline whose summary is current, and a report no log has changed since — and loads the full CLI
// (dist/cliMain.js) for everything else, handing over what it already did. Node itself takes ~70 ms to start on a
// small machine; what this file loads is kept small (no schema library, no parsers, no file watcher).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { listLogFiles } from '../node/logFiles';
import { primeScanWorkers, requestedWorkers, ScanWorker, workerScript } from '../node/scanWorkers';
import { ledgerDir, SNAPSHOT_FILE } from '../node/stateDir';
import { readSummary, summaryScope } from '../node/statusFile';
import { logFingerprint, readView, reportCacheKey } from '../node/viewCache';
import { isDateFlag, resolveShared, SHARED_OPTIONS, type SharedSetup, type SharedValues } from './optionSpecs';
import { BUDGET_OPTIONS, budgetsFromFlags, printReport, type ReportView } from './reportPrint';
import { isCurrent, readStatusInput, readStdin, renderStatusLine, runChained, type StatusInput } from './statuslineView';
import { VERSION } from './version';
import type { main as fullMain } from './main';

type FullCli = { main: typeof fullMain };

/** The full CLI: the bundle beside this one, or the sources when running from them (tests). */
function loadFull(): FullCli {
  const bundled = path.join(__dirname, 'cliMain.js');
  return fs.existsSync(bundled) ? (require(bundled) as FullCli) : (require('./main') as FullCli);
}

/** The shared flags, when they need no explaining (anything unusual goes to the full CLI, which explains). */
function quickSetup(values: Record<string, unknown>): (SharedSetup & { stateDir: string }) | undefined {
  if (values['help'] || values['no-state']) return undefined;
  const shared = resolveShared(values as SharedValues);
  return 'problem' in shared || shared.stateDir === undefined ? undefined : { ...shared, stateDir: shared.stateDir };
}

function parse(argv: string[], extra: Record<string, { type: 'string' | 'boolean' }>): Record<string, unknown> | undefined {
  try {
    return parseArgs({ args: argv, options: { ...SHARED_OPTIONS, ...extra }, strict: true }).values as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

async function statusline(argv: string[]): Promise<number> {
  const values = parse(argv, { chain: { type: 'string' } });
  const quick = values && quickSetup(values);
  const raw = values && !values['help'] ? await readStdin(2_000) : undefined;
  if (!quick) return loadFull().main(['statusline', ...argv], { stdin: raw });
  let input: StatusInput = {};
  try {
    input = readStatusInput(JSON.parse(raw ?? '')) ?? {};
  } catch {
    // no or bad stdin: totals without a session
  }
  const summary = readSummary(quick.stateDir);
  if (!isCurrent(summary, input, quick.timeZone, summaryScope(quick.roots))) {
    return loadFull().main(['statusline', ...argv], { stdin: raw });
  }
  let line = renderStatusLine(input, summary, new Date());
  const chain = values['chain'] as string | undefined;
  if (chain) {
    const chained = await runChained(chain, raw ?? '', 1_500);
    if (chained) line = `${line} │ ${chained}`;
  }
  process.stdout.write(`${line}\n`);
  return 0;
}

async function report(argv: string[]): Promise<number> {
  const values = parse(argv, { json: { type: 'boolean' }, since: { type: 'string' }, until: { type: 'string' }, ...BUDGET_OPTIONS });
  const quick = values && quickSetup(values);
  const since = values?.['since'] as string | undefined;
  const until = values?.['until'] as string | undefined;
  if (!quick || [since, until].some((d) => d !== undefined && !isDateFlag(d))) {
    return loadFull().main(['report', ...argv]);
  }
  const options = { timeZone: quick.timeZone, since, until };
  const cacheKey = reportCacheKey({ version: VERSION, roots: quick.roots, options, pricingText: quick.pricingText });
  // A store with no snapshot yet means a cold scan of every log. Its first worker starts now and its workers get
  // their first files as soon as the logs are listed: their boot and first reads overlap the listing, the loading
  // of the full CLI and the opening of the store.
  const cold = !fs.existsSync(path.join(ledgerDir(quick.stateDir), SNAPSHOT_FILE));
  const requested = requestedWorkers();
  const early = cold && requested !== 0 && workerScript() ? [new ScanWorker()] : [];
  const unreadable: { path: string; error: string }[] = [];
  const listing = { files: await listLogFiles(quick.roots, unreadable), unreadable };
  // The options the store's catch-up reads with (a scan with other options does not take these workers).
  const workers = cold ? primeScanWorkers(early, listing.files, requested, { lastLine: 'wait' }) : [];
  const fingerprint = logFingerprint(listing.files, cacheKey);
  const cached = cold ? undefined : readView<ReportView>(quick.stateDir, cacheKey, fingerprint);
  if (!cached) return loadFull().main(['report', ...argv], { report: { listing, fingerprint, cacheKey, workers } });
  const budgets = budgetsFromFlags(values);
  if ('problem' in budgets) return loadFull().main(['report', ...argv]);
  printReport({ ...cached, generatedAt: new Date().toISOString() }, values['json'] === true, budgets);
  return 0;
}

/** AGENT_METER_STATS=1: one line on stderr at exit with peak memory (incl. worker threads) and wall time. */
function printStats(startedAt: number): void {
  if (process.env['AGENT_METER_STATS'] !== '1') return;
  const stats = { maxRssKb: process.resourceUsage().maxRSS, elapsedMs: Math.round(performance.now() - startedAt) };
  process.stderr.write(`agent-meter-stats ${JSON.stringify(stats)}\n`);
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'statusline') return statusline(rest);
  if (command === 'report') return report(rest);
  return loadFull().main(argv);
}

const startedAt = performance.now();
run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    printStats(startedAt);
  },
  (err: unknown) => {
    process.stderr.write(`agent-meter: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
