// `agent-meter sync`: one team-sync pass from a terminal or CI, on the same outbox as the extension (the outbox lock
// keeps the two from interleaving). Brings the ledger up to date, sends what the team server has not acknowledged,
// prints what happened. Exit 0 when everything is delivered, 1 when rows are still pending (kept for the next run).
import { parseArgs } from 'node:util';
import { isValidTimeZone } from '../core/calendar';
import type { ShareMode } from '../core/teamTotals';
import { Meter } from '../node/meter';
import { defaultMember, machineName } from '../node/memberIdentity';
import { TeamSync, type SyncMode } from '../node/teamSync';
import { SHARED_OPTIONS } from './optionSpecs';
import { setupFrom, UsageError } from './options';
import { VERSION } from './version';

export const SYNC_HELP = `sync:
  --endpoint URL         the team server (or an OTLP/HTTP receiver with --mode otlp)
  --token T              bearer token (or $AGENT_METER_TEAM_TOKEN; prefer it: argv is visible to other users)
  --team ID              team id (sent as an attribute; the server goes by the token)
  --member NAME          default: git config user.email
  --machine NAME         default: this host's name
  --mode agent-meter|otlp
  --share-repo name|hash|off      how repo names leave the machine (default name)
  --share-branch name|hash|off    the same for branch names (default name)
  --resend               send every row again (after the server lost its data); never double-counts
  --json                 print the result as JSON`;

const SHARE: readonly ShareMode[] = ['name', 'hash', 'off'];

function shareMode(flag: string, v: string | undefined): ShareMode {
  if (v === undefined) return 'name';
  if (!(SHARE as readonly string[]).includes(v)) throw new UsageError(`--${flag} ${v}: expected name, hash or off`);
  return v as ShareMode;
}

export async function syncCommand(argv: string[], help: () => string): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...SHARED_OPTIONS,
      endpoint: { type: 'string' },
      token: { type: 'string' },
      team: { type: 'string' },
      member: { type: 'string' },
      machine: { type: 'string' },
      mode: { type: 'string', default: 'agent-meter' },
      'share-repo': { type: 'string' },
      'share-branch': { type: 'string' },
      resend: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(help());
    return 0;
  }
  const setup = setupFrom(values);
  if (!setup.stateDir) throw new UsageError('sync needs the persistent ledger (it keeps the outbox there); drop --no-state');
  const endpoint = values.endpoint;
  if (!endpoint || !/^https?:\/\//.test(endpoint)) throw new UsageError('--endpoint URL is required (http:// or https://)');
  const token = values.token ?? process.env['AGENT_METER_TEAM_TOKEN'];
  if (!token) throw new UsageError('a token is required: --token T or $AGENT_METER_TEAM_TOKEN');
  const mode = values.mode as SyncMode;
  if (mode !== 'agent-meter' && mode !== 'otlp') throw new UsageError(`--mode ${values.mode}: expected agent-meter or otlp`);
  if (!isValidTimeZone(setup.timeZone)) throw new UsageError(`time zone ${setup.timeZone}: not an IANA time zone`);

  const meter = new Meter({ roots: setup.roots, stateDir: setup.stateDir, workers: setup.workers });
  try {
    meter.open();
    await meter.catchUp();
    for (const w of meter.warnings) process.stderr.write(`agent-meter: ${w}\n`);
    const sync = new TeamSync({
      stateDir: setup.stateDir,
      config: {
        endpoint,
        token,
        mode,
        team: values.team,
        member: values.member ?? (await defaultMember()),
        machine: values.machine ?? machineName(),
        shareRepo: shareMode('share-repo', values['share-repo']),
        shareBranch: shareMode('share-branch', values['share-branch']),
        timeZone: setup.timeZone,
      },
      prices: setup.prices,
      records: () => meter.allRecords(),
      clientVersion: VERSION,
      log: (level, message) => process.stderr.write(`agent-meter: ${level === 'info' ? '' : `${level}: `}${message}\n`),
    });
    if (values.resend) sync.forgetAcknowledgements();
    const result = await sync.syncNow();
    if (!result.ran) {
      process.stderr.write('agent-meter: another process is syncing this state dir right now; nothing done\n');
      return 1;
    }
    const ok = result.outcome?.ok !== false;
    if (values.json) {
      const out = { ok, sentRows: result.sentRows, accepted: result.accepted, stale: result.stale, pendingRows: result.pendingRows, ms: Math.round(result.ms), error: result.outcome && !result.outcome.ok ? result.outcome.message : undefined, team: sync.status.team };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } else if (ok) {
      const team = sync.status.team;
      const standing = team ? ` · team ${team.team.level}, you ${team.member.level}` : '';
      process.stdout.write(`synced ${result.sentRows} row(s) (${result.accepted} new, ${result.stale} already there) in ${Math.round(result.ms)} ms${standing}\n`);
    } else {
      process.stderr.write(`agent-meter: sync failed: ${result.outcome && !result.outcome.ok ? result.outcome.message : ''}; ${result.pendingRows} row(s) kept for the next run\n`);
    }
    return ok ? 0 : 1;
  } finally {
    meter.close();
  }
}
