// Team sync (DESIGN §7): keeps an outbox of cumulative totals in the state dir and delivers it to the team endpoint
// (Agent Meter's JSON, or OTLP/HTTP metrics). One pass: take the outbox lock, bring the outbox up to the ledger,
// send what the server has not acknowledged in batches (saving after each), release. Failures keep every row and
// are retried with exponential backoff and jitter, never sooner than the server's Retry-After; a pass never waits
// on the network for longer than its timeout. Only numbers and identifiers are sent (see teamProtocol.ts).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PriceTable } from '../core/pricing';
import type { TeamSyncState } from '../core/teamPanelView';
import {
  MAX_ROWS_PER_BATCH,
  SYNC_SCHEMA_VERSION,
  budgetStatusSchema,
  retryAfterMs,
  rowKey,
  syncResponseSchema,
  type BudgetStatus,
  type SendOutcome,
  type SyncBatch,
  type SyncRow,
} from '../core/teamProtocol';
import {
  acknowledge,
  emptyOutbox,
  pendingRows,
  retryDelayMs,
  teamRows,
  updateOutbox,
  type OutboxRow,
  type OutboxState,
  type ShareMode,
} from '../core/teamTotals';
import type { UsageRecord } from '../core/usageRecord';
import { writeFileAtomic } from './atomicWrite';
import { WriterLock } from './writerLock';

export type SyncMode = 'agent-meter' | 'otlp';

export interface TeamSyncConfig {
  /** Base URL of the team server (or the OTLP receiver: `/v1/metrics` is appended). */
  endpoint: string;
  token: string;
  mode: SyncMode;
  team?: string;
  member: string;
  machine: string;
  shareRepo: ShareMode;
  shareBranch: ShareMode;
  /** Days are bucketed in this zone until the team server names its own (OTLP mode: always). */
  timeZone: string;
}

/** What the sync reports (the panel's TeamSyncState plus bookkeeping). Also written to team-status.json. */
export interface TeamSyncStatus extends TeamSyncState {
  lastAttemptAt?: string;
  consecutiveFailures: number;
}

export interface SyncPassResult {
  /** False when another process held the outbox lock (nothing was done). */
  ran: boolean;
  sentRows: number;
  accepted: number;
  stale: number;
  pendingRows: number;
  outcome?: SendOutcome;
  ms: number;
}

export interface TeamSyncOptions {
  stateDir: string;
  config: TeamSyncConfig;
  prices: PriceTable;
  /** The ledger's counted requests, read at the start of each pass. */
  records: () => Iterable<UsageRecord>;
  /** Changes whenever records() would give something new; a pass with the same stamp skips recomputing the rows. */
  changeStamp?: () => string;
  /** False while the ledger is still being read: a pass then waits (a half-read ledger looks like spend that went away). */
  ready?: () => boolean;
  clientVersion: string;
  timeoutMs?: number;
  /** Interval between passes when all is well. */
  intervalMs?: number;
  /** First retry delay and cap for backoff. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  random?: () => number;
  now?: () => number;
  onStatus?: (status: TeamSyncStatus) => void;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const OUTBOX_FILE = 'team-outbox.json';
const STATUS_FILE = 'team-status.json';
const LOCK_FILE = 'team-outbox.lock';
const OUTBOX_VERSION = 1;
/** OTLP rows are ~4 KB of JSON each before gzip: smaller batches keep a receiver's body limit and parse time low. */
const OTLP_BATCH_ROWS = 250;

interface OutboxFile {
  version: number;
  target: string;
  timeZone: string;
  lastRev: number;
  rows: OutboxRow[];
}

/**
 * The OpenTelemetry SDK is a bundle of its own (dist/otlpExport.js, ~0.5 MB), loaded only by those who use OTLP;
 * from the sources (tests) it is the module itself.
 */
function loadOtlpExport(): typeof import('./otlpExport') {
  const bundled = path.join(__dirname, 'otlpExport.js');
  return fs.existsSync(bundled) ? (require(bundled) as typeof import('./otlpExport')) : (require('./otlpExport') as typeof import('./otlpExport'));
}

/** Salted short hash for names shared as 'hash': the same name gives the same id within one team, nothing more. */
export function nameHash(team: string | undefined, value: string): string {
  return createHash('sha256').update(`agent-meter:${team ?? ''}:${value}`).digest('hex').slice(0, 16);
}

/** What the outbox was acknowledged by: a different endpoint, mode, team or token starts from nothing acknowledged. */
export function targetOf(c: TeamSyncConfig): string {
  const tokenId = createHash('sha256').update(c.token).digest('hex').slice(0, 12);
  return `${c.mode} ${c.endpoint.replace(/\/+$/, '')} ${c.team ?? ''} ${tokenId} ${c.shareRepo}/${c.shareBranch}`;
}

export function outboxPath(stateDir: string): string {
  return path.join(stateDir, OUTBOX_FILE);
}

/** The last status a pass wrote (any process), for views that did not run the pass themselves (statusline, guard). */
export function readTeamStatus(stateDir: string): TeamSyncStatus | undefined {
  try {
    const body = JSON.parse(fs.readFileSync(path.join(stateDir, STATUS_FILE), 'utf8')) as TeamSyncStatus;
    if (body.team) {
      const team = budgetStatusSchema.safeParse(body.team);
      body.team = team.success ? team.data : undefined;
    }
    return body;
  } catch {
    return undefined;
  }
}

function loadOutbox(file: string, target: string, timeZone: string): { state: OutboxState } {
  let body: OutboxFile | undefined;
  try {
    body = JSON.parse(fs.readFileSync(file, 'utf8')) as OutboxFile;
  } catch {
    body = undefined;
  }
  if (!body || body.version !== OUTBOX_VERSION || !Array.isArray(body.rows)) return { state: emptyOutbox(target, timeZone) };
  const state: OutboxState = { target: body.target, timeZone: body.timeZone || timeZone, lastRev: body.lastRev || 0, rows: new Map() };
  for (const r of body.rows) state.rows.set(rowKey(r.row), r);
  if (state.target !== target) {
    // Another server (or identity) knows none of these rows: everything is pending again, revisions keep growing.
    state.target = target;
    for (const r of state.rows.values()) r.ackedRev = 0;
  }
  return { state };
}

/** One POST of Agent Meter's JSON batch. Statuses a retry can fix: 408, 429, 5xx and network failures. */
export async function sendJsonBatch(endpoint: string, token: string, batch: SyncBatch, timeoutMs: number): Promise<SendOutcome> {
  const url = `${endpoint.replace(/\/+$/, '')}/v1/usage`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(batch),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message);
    return { ok: false, retryable: true, message: `${url}: ${why}` };
  }
  const text = await res.text().catch(() => '');
  if (res.ok) {
    let parsed: ReturnType<typeof syncResponseSchema.safeParse> | undefined;
    try {
      parsed = syncResponseSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) return { ok: false, retryable: true, status: res.status, message: `${url}: the answer is not a team server's (HTTP ${res.status})` };
    return { ok: true, status: res.status, response: parsed.data };
  }
  let reason = `HTTP ${res.status}`;
  try {
    const body = JSON.parse(text) as { error?: { message?: string } };
    if (body.error?.message) reason += `: ${body.error.message}`;
  } catch {
    // not JSON: the status says enough
  }
  const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
  return { ok: false, retryable, status: res.status, retryAfterMs: retryAfterMs(res.headers.get('retry-after'), Date.now()), message: `${url}: ${reason}` };
}

export class TeamSync {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SyncPassResult> | undefined;
  private stopped = false;
  private resendAll = false;
  private batchSize = MAX_ROWS_PER_BATCH;
  /** The change stamp and time zone the outbox was last brought up to (this process). */
  private refreshed: string | undefined;
  status: TeamSyncStatus = { state: 'never', pendingRows: 0, consecutiveFailures: 0 };

  constructor(private readonly options: TeamSyncOptions) {
    const saved = readTeamStatus(options.stateDir);
    if (saved) this.status = { ...saved, state: saved.state === 'syncing' ? 'retrying' : saved.state };
  }

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** The next pass sends every row again (the server lost its data). Safe: the server keeps the highest revision. */
  forgetAcknowledgements(): void {
    this.resendAll = true;
  }

  /** Runs one pass now (joins a pass already running). */
  syncNow(): Promise<SyncPassResult> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Passes every interval; after a failure, at the backoff delay instead. */
  start(): void {
    this.stopped = false;
    this.schedule(this.status.state === 'retrying' && this.status.nextAttemptAt ? Math.max(1_000, Date.parse(this.status.nextAttemptAt) - this.now) : 2_000);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves when no pass is running. */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.syncNow().then(
        () => this.scheduleNext(),
        (err) => {
          this.options.log?.('error', `team sync: ${err instanceof Error ? err.message : String(err)}`);
          this.scheduleNext();
        },
      );
    }, ms);
    this.timer.unref();
  }

  private scheduleNext(): void {
    const interval = this.options.intervalMs ?? 60_000;
    const random = (this.options.random ?? Math.random)();
    if ((this.status.state === 'retrying' || this.status.state === 'failed') && this.status.nextAttemptAt) this.schedule(Math.max(0, Date.parse(this.status.nextAttemptAt) - this.now));
    else this.schedule(Math.round(interval * (0.9 + 0.2 * random)));
  }

  private setStatus(next: Partial<TeamSyncStatus>): void {
    this.status = { ...this.status, ...next };
    try {
      fs.mkdirSync(this.options.stateDir, { recursive: true });
      writeFileAtomic(path.join(this.options.stateDir, STATUS_FILE), JSON.stringify(this.status));
    } catch (err) {
      this.options.log?.('warn', `team sync: cannot write its status (${err instanceof Error ? err.message : String(err)})`);
    }
    this.options.onStatus?.(this.status);
  }

  private async pass(): Promise<SyncPassResult> {
    const started = performance.now();
    const { config, stateDir } = this.options;
    const skipped = { ran: false, sentRows: 0, accepted: 0, stale: 0, pendingRows: this.status.pendingRows, ms: 0 };
    if (this.options.ready && !this.options.ready()) return skipped;
    fs.mkdirSync(stateDir, { recursive: true });
    const lock = WriterLock.tryAcquire(path.join(stateDir, LOCK_FILE));
    if (!lock) return { ...skipped, ms: performance.now() - started };
    const file = outboxPath(stateDir);
    try {
      this.setStatus({ state: 'syncing', lastAttemptAt: new Date(this.now).toISOString() });
      const { state } = loadOutbox(file, targetOf(config), config.timeZone);
      if (config.mode === 'otlp') state.timeZone = config.timeZone;
      if (this.resendAll) {
        for (const r of state.rows.values()) r.ackedRev = 0;
        this.resendAll = false;
      }
      const result: SyncPassResult = { ran: true, sentRows: 0, accepted: 0, stale: 0, pendingRows: 0, ms: 0 };
      // At most twice: a team server may name another time zone, and the days are then re-bucketed and sent at once.
      for (let round = 0; round < 2; round++) {
        const zone = state.timeZone;
        this.refresh(state);
        const outcome = await this.deliver(state, lock, file, result);
        result.outcome = outcome;
        if (!outcome.ok || state.timeZone === zone) break;
        this.options.log?.('info', `team sync: the team counts days in ${state.timeZone}; re-bucketing`);
      }
      this.save(file, state);
      result.pendingRows = pendingRows(state).length;
      result.ms = performance.now() - started;
      this.finish(result);
      return result;
    } finally {
      lock.release();
    }
  }

  /** The outbox brought up to the ledger (in place); skipped when neither the ledger nor the zone changed. */
  private refresh(state: OutboxState): void {
    const { config } = this.options;
    // The outbox's own last revision is part of the stamp: another process that changed (or deleted) it forces a
    // recompute here.
    const base = this.options.changeStamp ? `${this.options.changeStamp()} ${state.timeZone} ${state.target}` : undefined;
    if (base !== undefined && `${base} ${state.lastRev}` === this.refreshed) return;
    const rows = teamRows(this.options.records(), this.options.prices, {
      timeZone: state.timeZone,
      shareRepo: config.shareRepo,
      shareBranch: config.shareBranch,
      hash: (v) => nameHash(config.team, v),
    });
    updateOutbox(state, rows, this.now * 1000);
    this.refreshed = base === undefined ? undefined : `${base} ${state.lastRev}`;
  }

  private async deliver(state: OutboxState, lock: WriterLock, file: string, result: SyncPassResult): Promise<SendOutcome> {
    const pending = pendingRows(state);
    if (pending.length === 0) return { ok: true, status: 204 };
    let last: SendOutcome = { ok: true, status: 204 };
    let size = this.options.config.mode === 'otlp' ? Math.min(this.batchSize, OTLP_BATCH_ROWS) : this.batchSize;
    for (let i = 0; i < pending.length; ) {
      const rows = pending.slice(i, i + size);
      if (!lock.stillHeld()) return { ok: false, retryable: true, message: 'the outbox lock was taken over' };
      lock.heartbeat();
      last = await this.send(rows, state.timeZone);
      if (!last.ok && last.status === 413 && rows.length > 1) {
        // A proxy in front of the server takes less than we sent: halve the batches (for this process's life).
        size = this.batchSize = Math.max(1, Math.floor(rows.length / 2));
        this.options.log?.('warn', `team sync: the endpoint refused ${rows.length} rows as too large; sending ${size} at a time`);
        continue;
      }
      if (!last.ok) return last;
      acknowledge(state, rows);
      result.sentRows += rows.length;
      i += rows.length;
      if (last.response) {
        result.accepted += last.response.accepted;
        result.stale += last.response.stale;
        this.status.team = last.response.status;
        if (last.response.timeZone && last.response.timeZone !== state.timeZone) {
          state.timeZone = last.response.timeZone;
          this.save(file, state);
          return last;
        }
      }
      // Progress survives a crash between batches.
      this.save(file, state);
    }
    return last;
  }

  private async send(rows: SyncRow[], timeZone: string): Promise<SendOutcome> {
    const { config } = this.options;
    const timeoutMs = this.options.timeoutMs ?? 15_000;
    if (config.mode === 'otlp') {
      return loadOtlpExport().exportOtlp({
        endpoint: config.endpoint,
        headers: { authorization: `Bearer ${config.token}` },
        identity: { member: config.member, team: config.team, machine: config.machine },
        timeZone,
        rows,
        timeoutMs,
        clientVersion: this.options.clientVersion,
        // OTLP JSON repeats every attribute on every point (~4 KB a row); gzip makes it ~50 times smaller.
        compression: 'gzip',
      });
    }
    const batch: SyncBatch = {
      schema: SYNC_SCHEMA_VERSION,
      machine: config.machine,
      member: config.member,
      ...(config.team ? { team: config.team } : {}),
      timeZone,
      client: { name: 'agent-meter', version: this.options.clientVersion },
      rows,
    };
    return sendJsonBatch(config.endpoint, config.token, batch, timeoutMs);
  }

  private save(file: string, state: OutboxState): void {
    const body: OutboxFile = {
      version: OUTBOX_VERSION,
      target: state.target,
      timeZone: state.timeZone,
      lastRev: state.lastRev,
      rows: [...state.rows.values()],
    };
    writeFileAtomic(file, JSON.stringify(body));
  }

  private finish(result: SyncPassResult): void {
    const outcome = result.outcome;
    const at = new Date(this.now).toISOString();
    if (!outcome || outcome.ok) {
      this.setStatus({ state: 'ok', lastSuccessAt: at, pendingRows: result.pendingRows, lastError: undefined, nextAttemptAt: undefined, consecutiveFailures: 0 });
      return;
    }
    const failures = this.status.consecutiveFailures + 1;
    const delay = retryDelayMs(failures, this.options.retryBaseMs ?? 2_000, this.options.retryMaxMs ?? 300_000, (this.options.random ?? Math.random)(), outcome.retryAfterMs);
    this.options.log?.(outcome.retryable ? 'warn' : 'error', `team sync failed (${outcome.message}); ${result.pendingRows} row(s) kept, next try in ${Math.round(delay / 1000)} s`);
    this.setStatus({
      // Not retryable (bad token, refused body): still kept and tried again, but at the slowest pace.
      state: outcome.retryable ? 'retrying' : 'failed',
      pendingRows: result.pendingRows,
      lastError: outcome.message,
      consecutiveFailures: failures,
      nextAttemptAt: new Date(this.now + (outcome.retryable ? delay : (this.options.retryMaxMs ?? 300_000))).toISOString(),
    });
  }
}
