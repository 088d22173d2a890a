// `agent-meter` command line: the same core as the extension, no VS Code needed.
//   agent-meter report [--json] [--claude-dir DIR]… [--codex-dir DIR]… [--since D] [--until D] [--timezone Z]
//                      [--pricing FILE]
// Exit codes: 0 ok, 2 usage error (bad flag, missing dir, bad pricing file), 1 unexpected failure.
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { PriceTable, priceOverridesSchema, type PriceOverride } from '../core/pricing';
import { buildReport, isValidTimeZone } from '../core/report';
import { Meter } from '../node/meter';
import { checkExplicitDir, defaultSourceDirs, sourceRoots } from '../node/sourcePaths';
import { defaultStateDir } from '../node/stateDir';
import { formatReportTable, reportJson } from './reportFormat';

declare const AGENT_METER_VERSION: string | undefined;

const HELP = `agent-meter — exact cost of your AI coding agents, from their own logs

Usage:
  agent-meter report [options]     sessions, days and totals (table, or --json)

Options for report:
  --json                 machine-readable output
  --claude-dir DIR       a Claude Code config dir containing projects/ (repeatable)
  --codex-dir DIR        a CODEX_HOME containing sessions/ (repeatable)
                         when any dir flag is given, the default locations are not read
  --since YYYY-MM-DD     first day to include (in --timezone)
  --until YYYY-MM-DD     last day to include (in --timezone)
  --timezone IANA        time zone for calendar days (default: this machine's, ${localZone()})
  --pricing FILE         JSON array of price overrides (USD per million tokens)
  --state-dir DIR        where the persistent ledger lives (default: $AGENT_METER_HOME or ~/.agent-meter)
  --no-state             read every log from scratch and persist nothing
  -h, --help             this help
`;

class UsageError extends Error {}

function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function loadOverrides(file: string | undefined): PriceOverride[] {
  if (!file) return [];
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`--pricing ${file}: cannot read the file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`--pricing ${file}: not valid JSON`);
  }
  const parsed = priceOverridesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--pricing ${file}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** AGENT_METER_WORKERS=N pins the cold-scan worker count (0 = this thread only); unset = decided per scan. */
function workersFromEnv(): number | undefined {
  const raw = process.env['AGENT_METER_WORKERS'];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

async function report(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      'claude-dir': { type: 'string', multiple: true },
      'codex-dir': { type: 'string', multiple: true },
      since: { type: 'string' },
      until: { type: 'string' },
      timezone: { type: 'string' },
      pricing: { type: 'string' },
      'state-dir': { type: 'string' },
      'no-state': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  for (const flag of ['since', 'until'] as const) {
    const v = values[flag];
    if (v !== undefined && (!DATE.test(v) || Number.isNaN(Date.parse(v)))) {
      throw new UsageError(`--${flag} ${v}: expected a date as YYYY-MM-DD`);
    }
  }
  const timeZone = values.timezone ?? localZone();
  if (!isValidTimeZone(timeZone)) throw new UsageError(`--timezone ${timeZone}: not an IANA time zone (e.g. Europe/Berlin)`);

  const claudeDirs = values['claude-dir'] ?? [];
  const codexDirs = values['codex-dir'] ?? [];
  const explicit = claudeDirs.length > 0 || codexDirs.length > 0;
  if (explicit) {
    const problems = [
      ...claudeDirs.map((d) => checkExplicitDir('claude-code', d)),
      ...codexDirs.map((d) => checkExplicitDir('codex', d)),
    ].filter((p): p is string => p !== undefined);
    if (problems.length) throw new UsageError(problems.join('\n'));
  }
  const dirs = explicit ? { claudeDirs, codexDirs } : defaultSourceDirs();
  const prices = new PriceTable(loadOverrides(values.pricing));

  if (values['no-state'] && values['state-dir']) throw new UsageError('--state-dir and --no-state exclude each other');
  const meter = new Meter({
    roots: sourceRoots(dirs),
    stateDir: values['no-state'] ? undefined : (values['state-dir'] ?? defaultStateDir()),
    workers: workersFromEnv(),
  });
  let result;
  try {
    meter.open();
    await meter.catchUp();
    result = buildReport(meter.ledger, prices, { timeZone, since: values.since, until: values.until }, new Date());
  } finally {
    meter.close();
  }

  for (const w of meter.warnings) process.stderr.write(`agent-meter: ${w}\n`);
  for (const u of result.diagnostics.unreadable) process.stderr.write(`agent-meter: cannot read ${u.path} (${u.error})\n`);
  process.stdout.write(values.json ? `${JSON.stringify(reportJson(result), null, 2)}\n` : formatReportTable(result));
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (!command || command === '-h' || command === '--help' || command === 'help') {
      process.stdout.write(HELP);
      return command ? 0 : 2;
    }
    if (command === '--version' || command === '-v') {
      process.stdout.write(`${typeof AGENT_METER_VERSION === 'string' ? AGENT_METER_VERSION : 'dev'}\n`);
      return 0;
    }
    if (command === 'report') {
      await report(rest);
      return 0;
    }
    throw new UsageError(`unknown command "${command}" (try: agent-meter report)`);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      process.stderr.write(`agent-meter: ${(err as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`agent-meter: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

function isParseArgsError(err: unknown): boolean {
  return err instanceof Error && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS');
}

/** AGENT_METER_STATS=1: one line on stderr at exit with peak memory (incl. worker threads) and wall time. */
function printStats(startedAt: number): void {
  if (process.env['AGENT_METER_STATS'] !== '1') return;
  const stats = { maxRssKb: process.resourceUsage().maxRSS, elapsedMs: Math.round(performance.now() - startedAt) };
  process.stderr.write(`agent-meter-stats ${JSON.stringify(stats)}\n`);
}

if (require.main === module) {
  const startedAt = performance.now();
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      printStats(startedAt);
    },
    () => {
      process.exitCode = 1;
    },
  );
}
