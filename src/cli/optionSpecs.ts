// The flags every command shares, as parseArgs specs and help text. Light on purpose: the quick entry uses them.
import * as fs from 'node:fs';

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

