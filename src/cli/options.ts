// Options every `agent-meter` command shares: which logs (dirs), where the ledger lives (state), calendar (time
// zone) and prices (overrides). Parsed once, validated with clear messages (UsageError → exit 2, no stack).
import * as fs from 'node:fs';
import { PriceTable, priceOverridesSchema, type PriceOverride } from '../core/pricing';
import { isValidTimeZone } from '../core/report';
import { checkExplicitDir, defaultSourceDirs, sourceRoots, type SourceRoot } from '../node/sourcePaths';
import { defaultStateDir } from '../node/stateDir';

export class UsageError extends Error {}

/** parseArgs option specs for the shared flags. */
export const SHARED_OPTIONS = {
  'claude-dir': { type: 'string', multiple: true },
  'codex-dir': { type: 'string', multiple: true },
  timezone: { type: 'string' },
  pricing: { type: 'string' },
  'state-dir': { type: 'string' },
  'no-state': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;

export const SHARED_HELP = `  --claude-dir DIR       a Claude Code config dir containing projects/ (repeatable)
  --codex-dir DIR        a CODEX_HOME containing sessions/ (repeatable)
                         when any dir flag is given, the default locations are not read
  --timezone IANA        time zone for calendar days (default: this machine's, ${localZone()})
  --pricing FILE         JSON array of price overrides (USD per million tokens)
  --state-dir DIR        where the persistent ledger lives (default: $AGENT_METER_HOME or ~/.agent-meter)
  --no-state             read every log from scratch and persist nothing`;

export interface SharedValues {
  'claude-dir'?: string[];
  'codex-dir'?: string[];
  timezone?: string;
  pricing?: string;
  'state-dir'?: string;
  'no-state'?: boolean;
}

export interface Setup {
  roots: SourceRoot[];
  stateDir: string | undefined;
  timeZone: string;
  prices: PriceTable;
  /** AGENT_METER_WORKERS=N pins the cold-scan worker count (0 = this thread only); unset = decided per scan. */
  workers: number | undefined;
}

export function localZone(): string {
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

function workersFromEnv(): number | undefined {
  const raw = process.env['AGENT_METER_WORKERS'];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** Validates the shared flags and resolves them into what the commands need. */
export function setupFrom(values: SharedValues): Setup {
  const timeZone = values.timezone ?? localZone();
  if (!isValidTimeZone(timeZone)) throw new UsageError(`--timezone ${timeZone}: not an IANA time zone (e.g. Europe/Berlin)`);
  if (values['no-state'] && values['state-dir']) throw new UsageError('--state-dir and --no-state exclude each other');
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
  return {
    roots: sourceRoots(explicit ? { claudeDirs, codexDirs } : defaultSourceDirs()),
    stateDir: values['no-state'] ? undefined : (values['state-dir'] ?? defaultStateDir()),
    timeZone,
    prices: new PriceTable(loadOverrides(values.pricing)),
    workers: workersFromEnv(),
  };
}
