// The full `agent-meter` command line (dist/cliMain.js), loaded by the quick entry (entry.ts) for whatever it does
// not answer itself. The same core as the extension, no VS Code needed.
//   agent-meter report      sessions, days and totals (table or --json), from the persistent ledger
//   agent-meter watch       follow the logs; a line per change
//   agent-meter statusline  a Claude Code statusLine command
// Exit codes: 0 ok, 2 usage error (bad flag, missing dir, bad pricing file), 1 unexpected failure.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { liveFindings } from '../core/findingsView';
import { contextOf } from '../core/liveTotals';
import { budgetState, liveBudgetLines } from '../core/panelView';
import { findingJson, periodJson } from '../core/reportJson';
import { BUDGET_STATE_HEARTBEAT_MS, writeBudgetState } from '../node/budgetStateFile';
import { localDate } from '../core/calendar';
import { buildReport, type Report } from '../core/report';
import { listLogFiles } from '../node/logFiles';
import { Meter, type LogListing } from '../node/meter';
import type { ScanWorker } from '../node/scanWorkers';
import { LiveMeter } from '../node/liveMeter';
import { logFingerprint, readView, reportCacheKey, writeView } from '../node/viewCache';
import { capYoungGeneration } from '../node/youngGeneration';
import { isDateFlag, SHARED_OPTIONS, sharedHelp } from './optionSpecs';
import { setupFrom, UsageError } from './options';
import { reportFindings } from '../core/reportFindings';
import { defaultSettings, thresholdsOf } from '../core/settings';
import { BUDGET_OPTIONS, budgetsFromFlags, printReport, type ReportView } from './reportPrint';
import { statusline } from './statusline';
import { SYNC_HELP, syncCommand } from './sync';
import { GUARD_HELP, guardCommandLine } from './guard';

import { VERSION } from './version';

const help = () => `agent-meter — exact cost of your AI coding agents, from their own logs

Usage:
  agent-meter report [options]       sessions, days and totals (a table, or --json)
  agent-meter watch [options]        follow the logs and print a line per change (--json: one JSON object)
  agent-meter statusline [options]   Claude Code statusLine command: reads its JSON on stdin, prints one line
  agent-meter sync [options]         send this machine's totals to the team server (once)
  agent-meter serve [options]        run the team server (agent-meter serve --help)
  agent-meter guard install|remove   add or remove the Claude Code budget guard hooks

Options for every command:
${sharedHelp()}
  -h, --help             this help

report:
  --json                 machine-readable output (with findings and budget sections)
                         findings cover the sessions of the last 7 days, or every session in --since/--until
  --budget-session USD   budgets for the report's budget section (also --budget-daily, --budget-weekly,
                         --budget-monthly); thresholds warn 70 / throttle 90 / stop 100 %
  --since YYYY-MM-DD     first day to include (in --timezone)
  --until YYYY-MM-DD     last day to include (in --timezone)

watch:
  --json                 one JSON object per line
  --budget-session USD   budgets to watch (also --budget-daily, --budget-weekly, --budget-monthly): a line when
                         a threshold is crossed, and with --publish-state the guard's budget-state.json
  --publish-state        keep <state dir>/budget-state.json current for the Claude Code guard (when VS Code is
                         not running; do not use both with different budgets)

statusline:
  --chain COMMAND        also run your previous statusLine command and append its output

${SYNC_HELP}

${GUARD_HELP}
`;

/** What the quick entry already did for a report before finding no cached view. */
export interface PreparedReport {
  listing: LogListing;
  fingerprint: string;
  cacheKey: string;
  /** Scan workers started ahead for a cold store (see scanWorkers.ts). */
  workers: ScanWorker[];
}

async function report(argv: string[], prepared?: PreparedReport): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...SHARED_OPTIONS,
      json: { type: 'boolean', default: false },
      since: { type: 'string' },
      until: { type: 'string' },
      ...BUDGET_OPTIONS,
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(help());
    return;
  }
  for (const flag of ['since', 'until'] as const) {
    const v = values[flag];
    if (v !== undefined && !isDateFlag(v)) {
      throw new UsageError(`--${flag} ${v}: expected a date as YYYY-MM-DD`);
    }
  }
  const budgets = budgetsFromFlags(values);
  if ('problem' in budgets) throw new UsageError(budgets.problem);
  const setup = setupFrom(values);
  const options = { timeZone: setup.timeZone, since: values.since, until: values.until };
  const print = (r: ReportView) => printReport(r, values.json === true, budgets);

  // Nothing changed in any log since the same report was last built: it is still exact.
  let listing = prepared?.listing;
  let fingerprint = prepared?.fingerprint;
  const cacheKey = prepared?.cacheKey ?? reportCacheKey({ version: VERSION, roots: setup.roots, options, pricingText: setup.pricingText });
  if (setup.stateDir && !prepared) {
    listing = { files: [], unreadable: [] };
    listing.files = await listLogFiles(setup.roots, listing.unreadable);
    fingerprint = logFingerprint(listing.files, cacheKey);
    const cached = readView<ReportView>(setup.stateDir, cacheKey, fingerprint);
    if (cached) {
      print({ ...cached, generatedAt: new Date().toISOString() });
      return;
    }
  }

  const meter = new Meter({ roots: setup.roots, stateDir: setup.stateDir, workers: setup.workers, oneShot: true });
  let result: ReportView;
  try {
    meter.open();
    await meter.catchUp(undefined, { listing, workers: prepared?.workers });
    const report = buildReport(meter.ledger, setup.prices, options, new Date());
    const ranged = values.since !== undefined || values.until !== undefined;
    result = { ...report, ...reportFindings(meter.ledger, setup.prices, report, thresholdsOf(defaultSettings()), new Date(), ranged) };
  } finally {
    meter.close();
  }
  for (const w of meter.warnings) process.stderr.write(`agent-meter: ${w}\n`);
  for (const u of result.diagnostics.unreadable) process.stderr.write(`agent-meter: cannot read ${u.path} (${u.error})\n`);
  print(result);
  if (setup.stateDir && fingerprint && meter.warnings.length === 0 && result.diagnostics.unreadable.length === 0) {
    writeView(setup.stateDir, cacheKey, fingerprint, result);
  }
}

async function watchCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { ...SHARED_OPTIONS, ...BUDGET_OPTIONS, json: { type: 'boolean', default: false }, 'publish-state': { type: 'boolean', default: false } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(help());
    return;
  }
  const setup = setupFrom(values);
  const budgets = budgetsFromFlags(values);
  if ('problem' in budgets) throw new UsageError(budgets.problem);
  if (values['publish-state'] && !setup.stateDir) throw new UsageError('--publish-state needs a state dir (not --no-state)');
  const thresholds = thresholdsOf(defaultSettings());
  /** What was already said: finding ids with their severity, and budget lines with their level. */
  const said = new Map<string, string>();
  let published = '';
  let publishedAt = 0;
  const news = (now: Date) => {
    const meter = liveMeter.meter;
    const live = meter.live!;
    const out: string[] = [];
    for (const f of liveFindings(meter.ledger, live, live.prices, thresholds, now)) {
      if (said.get(f.id) === f.severity) continue;
      said.set(f.id, f.severity);
      out.push(values.json ? JSON.stringify({ event: 'finding', ...findingJson(f) }) : `${now.toLocaleTimeString()}  ${f.severity.toUpperCase()} ${f.kind}: ${f.summary} (${f.sessionId.slice(0, 8)}, $${f.usdAtStake.toFixed(2)} at stake) — ${f.action}`);
    }
    const lines = liveBudgetLines(live, budgets, now);
    for (const l of lines) {
      const key = `budget:${l.id}:${l.from}`;
      const level = l.projectedToExceed ? 'projected' : l.level;
      if (l.budgetUsd === null || (said.get(key) ?? 'ok') === level || level === 'none') continue;
      said.set(key, level);
      if (level === 'ok') continue;
      out.push(values.json ? JSON.stringify({ event: 'budget', ...periodJson(l), state: level }) : `${now.toLocaleTimeString()}  BUDGET ${l.label}: ${level} — $${l.costUsd.toFixed(2)} of $${l.budgetUsd.toFixed(2)}${l.forecastUsd !== null ? `, forecast $${l.forecastUsd.toFixed(2)}` : ''}`);
    }
    if (values['publish-state'] && setup.stateDir) {
      const state = budgetState(lines, null);
      const text = JSON.stringify(state);
      if (text !== published || now.getTime() - publishedAt >= BUDGET_STATE_HEARTBEAT_MS) {
        writeBudgetState(setup.stateDir, state, now);
        published = text;
        publishedAt = now.getTime();
      }
    }
    for (const line of out) process.stdout.write(`${line}\n`);
  };
  const print = (event: 'ready' | 'change', filesRead: number, readMs: number) => {
    printTotals(event, filesRead, readMs);
    news(new Date());
  };
  const printTotals = (event: 'ready' | 'change', filesRead: number, readMs: number) => {
    const meter = liveMeter.meter;
    const live = meter.live!;
    const session = live.latestSession();
    const ctx = session ? contextOf(session, live.prices) : undefined;
    const now = new Date();
    const today = live.dayCost(localDate(now.toISOString(), live.timeZone));
    if (values.json) {
      const line = {
        event,
        at: now.toISOString(),
        filesRead,
        requests: live.requests,
        costUsd: Math.round(live.costUsd * 1e10) / 1e10,
        todayUsd: Math.round(today * 1e10) / 1e10,
        writer: meter.isWriter,
        readMs: Math.round(readMs),
        session: session && {
          sessionId: session.sessionId,
          agent: session.agent,
          costUsd: Math.round(session.costUsd * 1e10) / 1e10,
          contextTokens: ctx?.tokens ?? 0,
          contextWindow: ctx?.window ?? 0,
          model: ctx?.model ?? null,
        },
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    } else {
      const fill = ctx && ctx.window ? ` (${Math.round((100 * ctx.tokens) / ctx.window)}% ctx)` : '';
      const who = session ? `${session.agent} ${session.sessionId.slice(0, 8)} $${session.costUsd.toFixed(2)}${fill} · ` : '';
      process.stdout.write(`${now.toLocaleTimeString()}  ${who}today $${today.toFixed(2)} · total $${live.costUsd.toFixed(2)} (${live.requests} requests)\n`);
    }
  };
  const liveMeter = new LiveMeter({
    roots: setup.roots,
    stateDir: setup.stateDir,
    prices: setup.prices,
    timeZone: setup.timeZone,
    workers: setup.workers,
    onUpdate: (event, result, readMs) => (event === 'ready' ? print('ready', 0, 0) : print('change', result.filesRead, readMs)),
    onError: (err) => process.stderr.write(`agent-meter: ${err instanceof Error ? err.message : String(err)}\n`),
  });
  await liveMeter.start();
  for (const w of liveMeter.meter.warnings) process.stderr.write(`agent-meter: ${w}\n`);
  // The published state must not go stale while nothing changes, and a day's end changes budgets by itself.
  const heartbeat = setInterval(() => news(new Date()), BUDGET_STATE_HEARTBEAT_MS);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  clearInterval(heartbeat);
  await liveMeter.stop();
}

async function statuslineCommand(argv: string[], stdin?: string): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...SHARED_OPTIONS, chain: { type: 'string' } }, strict: true });
  if (values.help) {
    process.stdout.write(help());
    return;
  }
  process.stdout.write(`${await statusline(setupFrom(values), values.chain, stdin)}\n`);
}

/** Runs a command; `handoff` carries what the quick entry already did (read stdin, listed the logs). */
export async function main(argv: string[], handoff: { stdin?: string; report?: PreparedReport } = {}): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '-h' || command === '--help' || command === 'help') {
      process.stdout.write(help());
      return command ? 0 : 2;
    }
    if (command === '--version' || command === '-v') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    // The commands that may scan a whole history cap their young generation (see youngGeneration.ts).
    if (command === 'report' || command === 'watch' || command === 'sync') capYoungGeneration();
    if (command === 'report') await report(rest, handoff.report);
    else if (command === 'watch') await watchCommand(rest);
    else if (command === 'statusline') await statuslineCommand(rest, handoff.stdin);
    else if (command === 'sync') return await syncCommand(rest, help);
    else if (command === 'serve') return await loadServe().serveCommand(rest);
    else if (command === 'guard') return guardCommandLine(rest, help);
    else throw new UsageError(`unknown command "${command}" (try: agent-meter report, watch, statusline, sync, serve or guard)`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      process.stderr.write(`agent-meter: ${(err as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`agent-meter: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

/** The team server: its own bundle beside this one (it carries the database drivers), or the sources (tests). */
function loadServe(): typeof import('./serve') {
  const bundled = path.join(__dirname, 'serve.js');
  return fs.existsSync(bundled) ? (require(bundled) as typeof import('./serve')) : (require('./serve') as typeof import('./serve'));
}

function isParseArgsError(err: unknown): boolean {
  return err instanceof Error && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS');
}
