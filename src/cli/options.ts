// Options every `agent-meter` command shares: which logs (dirs), where the ledger lives (state), calendar (time
// zone) and prices (overrides). Parsed once, validated with clear messages (UsageError → exit 2, no stack).
import * as fs from 'node:fs';
import { PriceTable, priceOverridesSchema, type PriceOverride } from '../core/pricing';
import { isValidTimeZone } from '../core/calendar';
import { checkExplicitDir, defaultSourceDirs, sourceRoots, type SourceRoot } from '../node/sourcePaths';
import { defaultStateDir } from '../node/stateDir';
import { localZone } from './optionSpecs';

export class UsageError extends Error {}

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
  /** The --pricing file's text, as it keys cached views. */
  pricingText: string | undefined;
  stateDir: string | undefined;
  timeZone: string;
  prices: PriceTable;
  /** AGENT_METER_WORKERS=N pins the cold-scan worker count (0 = this thread only); unset = decided per scan. */
  workers: number | undefined;
}

function readPricing(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`--pricing ${file}: cannot read the file`);
  }
}

function loadOverrides(file: string | undefined, text: string | undefined): PriceOverride[] {
  if (!file || text === undefined) return [];
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
  const pricingText = readPricing(values.pricing);
  return {
    roots: sourceRoots(explicit ? { claudeDirs, codexDirs } : defaultSourceDirs()),
    pricingText,
    stateDir: values['no-state'] ? undefined : (values['state-dir'] ?? defaultStateDir()),
    timeZone,
    prices: new PriceTable(loadOverrides(values.pricing, pricingText)),
    workers: workersFromEnv(),
  };
}
