// What the team server keeps, behind one interface with two implementations: embedded SQLite (sqliteStore.ts, zero
// set-up, one server process) and PostgreSQL (postgresStore.ts, any number of stateless instances). Everything that
// must hold across instances lives here: usage rows (highest revision wins, decided by the database in one
// statement), budgets, team settings, tokens (hashes only), and the alerts already sent (a unique key is the dedupe).
import { rowKey, type BudgetPeriod, type SyncRow } from '../core/teamProtocol';
import type { BudgetRow, DaySpend } from './budgetPeriods';

/** Whose rows these are: the team and member come from the token, the machine from the batch. */
export interface UsageOwner {
  team: string;
  member: string;
  machine: string;
}

export interface UpsertResult {
  /** Rows stored: a new key, or a higher revision than the stored one. */
  accepted: number;
  /** Rows ignored: the store had that revision or a later one (or the batch repeated the key with a higher one). */
  stale: number;
}

/** A team's settings as stored; null = not set (the server's default applies). */
export interface TeamRecord {
  team: string;
  timeZone: string | null;
  warnPercent: number | null;
  throttlePercent: number | null;
  stopPercent: number | null;
  webhookUrl: string | null;
}

export interface TokenRecord {
  /** Public id: a prefix of the hash. */
  id: string;
  team: string;
  /** null for an admin token. */
  member: string | null;
  createdAt: string;
}

export type SummaryDimension = 'member' | 'repo' | 'model' | 'day';

/** Sums of one group of usage rows (integers). */
export interface GroupTotals {
  key: string;
  costNanoUsd: number;
  requests: number;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite5m: number; cacheWrite1h: number };
}

/** The dedupe key of one alert: a second claim of the same key is refused. */
export interface AlertClaim {
  team: string;
  scope: 'team' | 'member';
  /** '' for a team alert. */
  member: string;
  period: BudgetPeriod;
  periodStart: string;
  level: 'warn' | 'throttle' | 'stop';
  thresholdPercent: number;
  spentUsd: number;
  limitUsd: number;
  at: string;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Stores each row unless the same key already has this revision or a later one; exact counts of both. */
  upsertUsage(owner: UsageOwner, rows: readonly SyncRow[], receivedAt: string): Promise<UpsertResult>;
  /** Per-day spend of the team and of `member` in [from, to] (days with no rows are absent). */
  dailySpend(team: string, member: string, from: string, to: string): Promise<DaySpend[]>;
  /** The team's usage in [from, to] grouped by one dimension, in no particular order. */
  summary(team: string, from: string, to: string, by: SummaryDimension): Promise<GroupTotals[]>;
  team(team: string): Promise<TeamRecord | undefined>;
  saveTeam(record: TeamRecord): Promise<void>;
  budgets(team: string): Promise<BudgetRow[]>;
  /** Sets a budget, or removes it when amountUsd is null. */
  setBudget(team: string, budget: Omit<BudgetRow, 'amountUsd'> & { amountUsd: number | null }): Promise<void>;
  /** Records an alert; true only for the first claim of its key (then, and only then, the webhook is called). */
  claimAlert(alert: AlertClaim): Promise<boolean>;
  addToken(hash: string, token: TokenRecord): Promise<void>;
  tokenByHash(hash: string): Promise<TokenRecord | undefined>;
  listTokens(team?: string): Promise<TokenRecord[]>;
  /** Deletes the token with this public id; false when there is none. */
  revokeToken(id: string): Promise<boolean>;
  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One row per key, the highest revision of each (a batch that names a key twice would otherwise make the
 * database's single upsert statement fail, or apply rows in an order the batch did not mean). The dropped ones
 * count as stale. Sorted by key, so concurrent writers lock rows in the same order.
 */
export function latestPerKey(rows: readonly SyncRow[]): { rows: SyncRow[]; dropped: number } {
  const byKey = new Map<string, SyncRow>();
  for (const r of rows) {
    const k = rowKey(r);
    const had = byKey.get(k);
    if (!had || r.rev > had.rev) byKey.set(k, r);
  }
  const keyed = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { rows: keyed.map(([, r]) => r), dropped: rows.length - byKey.size };
}

/** An integer the database summed or stored, as a number (sums come back as bigint or text past 2^53 or in PG). */
export function exactInteger(value: unknown): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : Number(value as string | bigint);
  if (!Number.isSafeInteger(n)) throw new RangeError(`integer out of the exact range: ${String(value)}`);
  return n;
}
