// The flags every command shares: parseArgs specs, help text, and their resolution into log roots, state dir,
// time zone and pricing file. Light on purpose (no schemas, no price table): the quick entry uses it too.
import * as fs from 'node:fs';
import { isValidTimeZone } from '../core/calendar';
import { checkExplicitDir, defaultSourceDirs, sourceRoots, type SourceRoot } from '../node/sourcePaths';
import { defaultStateDir } from '../node/stateDir';

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

/** Help text for the shared flags (a function: the local zone is looked up only when help is shown). */
export const sharedHelp = (): string => `  --claude-dir DIR       a Claude Code config dir containing projects/ (repeatable)
  --codex-dir DIR        a CODEX_HOME containing sessions/ (repeatable)
                         when any dir flag is given, the default locations are not read
  --timezone IANA        time zone for calendar days (default: this machine's, ${localZone()})
  --pricing FILE         JSON array of price overrides (USD per million tokens)
  --state-dir DIR        where the persistent ledger lives (default: $AGENT_METER_HOME or ~/.agent-meter)
  --no-state             read every log from scratch and persist nothing`;

const IANA = /^(?:UTC|[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)+)$/;
let zone: string | undefined;

/**
 * This machine's time zone, found the way ICU finds it ($TZ, else the /etc/localtime link) before asking Intl:
 * Intl's first use costs ~15 ms, a large share of a statusline call.
 */
export function localZone(): string {
  if (zone) return zone;
  const fromEnv = process.env['TZ'];
  if (fromEnv && IANA.test(fromEnv)) return (zone = fromEnv);
  try {
    const link = fs.readlinkSync('/etc/localtime');
    const m = /zoneinfo\/(.+)$/.exec(link);
    if (m?.[1] && IANA.test(m[1])) return (zone = m[1]);
  } catch {
    // not a link (or not POSIX): ask Intl
  }
  return (zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
}


export interface SharedValues {
  'claude-dir'?: string[];
  'codex-dir'?: string[];
  timezone?: string;
  pricing?: string;
  'state-dir'?: string;
  'no-state'?: boolean;
}

export interface SharedSetup {
  roots: SourceRoot[];
  /** undefined with --no-state. */
  stateDir: string | undefined;
  timeZone: string;
  /** The --pricing file's text (it keys cached views). */
  pricingText: string | undefined;
}

/**
 * Resolves the shared flags, or says what is wrong with them (the message the CLI prints). An explicit
 * --timezone is validated here; the machine's own zone is not (validating costs Intl's start-up).
 */
export function resolveShared(values: SharedValues): SharedSetup | { problem: string } {
  if (values.timezone !== undefined && !isValidTimeZone(values.timezone)) {
    return { problem: `--timezone ${values.timezone}: not an IANA time zone (e.g. Europe/Berlin)` };
  }
  if (values['no-state'] && values['state-dir']) return { problem: '--state-dir and --no-state exclude each other' };
  const claudeDirs = values['claude-dir'] ?? [];
  const codexDirs = values['codex-dir'] ?? [];
  const problems = [
    ...claudeDirs.map((d) => checkExplicitDir('claude-code', d)),
    ...codexDirs.map((d) => checkExplicitDir('codex', d)),
  ].filter((p): p is string => p !== undefined);
  if (problems.length) return { problem: problems.join('\n') };
  let pricingText: string | undefined;
  if (values.pricing) {
    try {
      pricingText = fs.readFileSync(values.pricing, 'utf8');
    } catch {
      return { problem: `--pricing ${values.pricing}: cannot read the file` };
    }
  }
  const explicit = claudeDirs.length > 0 || codexDirs.length > 0;
  return {
    roots: sourceRoots(explicit ? { claudeDirs, codexDirs } : defaultSourceDirs()),
    stateDir: values['no-state'] ? undefined : (values['state-dir'] ?? defaultStateDir()),
    timeZone: values.timezone ?? localZone(),
    pricingText,
  };
}

/** A --since/--until value: a real calendar date written YYYY-MM-DD. */
export function isDateFlag(v: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v));
}
