// What a member's machine owes the team server: cumulative totals per (day, agent, model, repo, branch), computed
// from the ledger's counted requests with the report's pricing rules, and the outbox's bookkeeping around them.
// Every change of a row gets a new revision; a key that disappears (days re-bucketed in another time zone, a file's
// requests replaced) is sent once more as zeros, so the server's sum always equals the local one. Pure: the clock
// and the hash come in as parameters.
import { localDateMemo } from './calendar';
import { costOf, type PriceTable } from './pricing';
import { rowKey, type SyncRow } from './teamProtocol';
import type { UsageRecord } from './usageRecord';

/** How a repo or branch name is shared: as is, as a salted hash, or not at all (''). */
export type ShareMode = 'name' | 'hash' | 'off';

export interface TeamRowOptions {
  /** Days are local days in this zone (the team's). */
  timeZone: string;
  shareRepo: ShareMode;
  shareBranch: ShareMode;
  /** One-way hash used for 'hash' sharing (e.g. salted sha-256, shortened). */
  hash: (value: string) => string;
}

/** A row without its revision: what the ledger says the key's totals are now. */
export type RowTotals = Omit<SyncRow, 'rev'>;

/** The last path segment of a project folder: a repo's name, never its full path (which names the user). */
export function repoName(project: string | undefined): string {
  if (!project) return '';
  const parts = project.split(/[\\/]+/).filter((p) => p.length > 0);
  return parts[parts.length - 1] ?? '';
}

function shared(value: string, mode: ShareMode, hash: (v: string) => string): string {
  if (mode === 'off' || value === '') return '';
  return mode === 'hash' ? hash(value) : value.slice(0, 200);
}

interface Leaf {
  usd: number;
  requests: number;
  unpriced: number;
  webSearch: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

function nested<V>(map: Map<string, V>, key: string, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

/** The current totals of every key, from the counted requests. Estimates are never sent: they are not bills. */
export function teamRows(records: Iterable<UsageRecord>, prices: PriceTable, options: TeamRowOptions): Map<string, RowTotals> {
  const dayOf = localDateMemo(options.timeZone);
  // Grouped by the records' own strings first (nested maps: no key string built per request; ~100k requests per
  // pass), then by what is shared, since two project paths can share a folder name.
  const leaves = new Map<string, Map<string, Map<string, Map<string, Map<string, Leaf>>>>>();
  const newMap = <V>() => new Map<string, V>();
  for (const r of records) {
    const byAgent = nested(leaves, dayOf(r.timestamp), newMap<Map<string, Map<string, Map<string, Leaf>>>>);
    const byModel = nested(byAgent, r.agent, newMap<Map<string, Map<string, Leaf>>>);
    const byProject = nested(byModel, r.model, newMap<Map<string, Leaf>>);
    const byBranch = nested(byProject, r.project ?? '', newMap<Leaf>);
    let leaf = byBranch.get(r.branch ?? '');
    if (!leaf) {
      leaf = { usd: 0, requests: 0, unpriced: 0, webSearch: 0, input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
      byBranch.set(r.branch ?? '', leaf);
    }
    const resolved = prices.resolve(r.model, r.timestamp, r.agent);
    if (resolved) leaf.usd += costOf(r.tokens, r.webSearchRequests, resolved.row, r.fast);
    else leaf.unpriced++;
    leaf.requests++;
    leaf.webSearch += r.webSearchRequests;
    leaf.input += r.tokens.input;
    leaf.output += r.tokens.output;
    leaf.cacheRead += r.tokens.cacheRead;
    leaf.cacheWrite5m += r.tokens.cacheWrite5m;
    leaf.cacheWrite1h += r.tokens.cacheWrite1h;
  }

  const repoShared = new Map<string, string>();
  const branchShared = new Map<string, string>();
  const rows = new Map<string, RowTotals>();
  const costs = new Map<string, number>();
  for (const [day, byAgent] of leaves) {
    for (const [agent, byModel] of byAgent) {
      for (const [model, byProject] of byModel) {
        for (const [project, byBranch] of byProject) {
          const repo = nested(repoShared, project, () => shared(repoName(project), options.shareRepo, options.hash));
          for (const [branchName, leaf] of byBranch) {
            const branch = nested(branchShared, branchName, () => shared(branchName, options.shareBranch, options.hash));
            const keyParts = { day, agent: agent as UsageRecord['agent'], model: model.slice(0, 200) || 'unknown', repo, branch };
            const key = rowKey(keyParts);
            const row = nested(rows, key, () => ({
              ...keyParts,
              costNanoUsd: 0,
              requests: 0,
              unpricedRequests: 0,
              webSearchRequests: 0,
              tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 },
            }));
            costs.set(key, (costs.get(key) ?? 0) + leaf.usd);
            row.requests += leaf.requests;
            row.unpricedRequests += leaf.unpriced;
            row.webSearchRequests += leaf.webSearch;
            row.tokens.input += leaf.input;
            row.tokens.output += leaf.output;
            row.tokens.cacheRead += leaf.cacheRead;
            row.tokens.cacheWrite5m += leaf.cacheWrite5m;
            row.tokens.cacheWrite1h += leaf.cacheWrite1h;
          }
        }
      }
    }
  }
  // Rounded once per row: the server sums integers, so its total is exact in any order.
  for (const [key, usd] of costs) rows.get(key)!.costNanoUsd = Math.round(usd * 1e9);
  return rows;
}

/** One row as the outbox keeps it: the latest totals, their revision, and the highest revision the server took. */
export interface OutboxRow {
  row: SyncRow;
  ackedRev: number;
}

export interface OutboxState {
  /** Where the rows go (endpoint, mode, team): another target starts from nothing acknowledged. */
  target: string;
  timeZone: string;
  /** The highest revision handed out; revisions only grow, even when the clock steps back. */
  lastRev: number;
  rows: Map<string, OutboxRow>;
}

export function emptyOutbox(target: string, timeZone: string): OutboxState {
  return { target, timeZone, lastRev: 0, rows: new Map() };
}

function sameTotals(a: RowTotals, b: RowTotals): boolean {
  return (
    a.costNanoUsd === b.costNanoUsd &&
    a.requests === b.requests &&
    a.unpricedRequests === b.unpricedRequests &&
    a.webSearchRequests === b.webSearchRequests &&
    a.tokens.input === b.tokens.input &&
    a.tokens.output === b.tokens.output &&
    a.tokens.cacheRead === b.tokens.cacheRead &&
    a.tokens.cacheWrite5m === b.tokens.cacheWrite5m &&
    a.tokens.cacheWrite1h === b.tokens.cacheWrite1h
  );
}

function zeroed(r: SyncRow): RowTotals {
  const { rev: _rev, ...rest } = r;
  return {
    ...rest,
    costNanoUsd: 0,
    requests: 0,
    unpricedRequests: 0,
    webSearchRequests: 0,
    tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 },
  };
}

/**
 * Brings the outbox up to the ledger's current totals (in place): changed and new keys get a fresh revision, keys
 * the ledger no longer has become zeros (once). `nowMicros` is the clock in microseconds; revisions are
 * max(last + 1, now), so they keep growing across restarts and a clock that steps back.
 * Returns how many rows changed.
 */
export function updateOutbox(state: OutboxState, current: Map<string, RowTotals>, nowMicros: number): number {
  let changed = 0;
  const nextRev = () => (state.lastRev = Math.max(state.lastRev + 1, Math.floor(nowMicros)));
  for (const [key, totals] of current) {
    const kept = state.rows.get(key);
    if (kept && sameTotals(kept.row, totals)) continue;
    state.rows.set(key, { row: { ...totals, rev: nextRev() }, ackedRev: kept?.ackedRev ?? 0 });
    changed++;
  }
  for (const [key, kept] of state.rows) {
    if (current.has(key)) continue;
    const zero = zeroed(kept.row);
    if (sameTotals(kept.row, zero)) continue;
    state.rows.set(key, { row: { ...zero, rev: nextRev() }, ackedRev: kept.ackedRev });
    changed++;
  }
  return changed;
}

/** Rows the server has not acknowledged at their latest revision, oldest revision first. */
export function pendingRows(state: OutboxState): SyncRow[] {
  const out: SyncRow[] = [];
  for (const { row, ackedRev } of state.rows.values()) if (row.rev > ackedRev) out.push(row);
  return out.sort((a, b) => a.rev - b.rev);
}

/** Marks rows as taken by the server (a stale answer counts too: the server already has that revision or later). */
export function acknowledge(state: OutboxState, rows: SyncRow[]): void {
  for (const r of rows) {
    const kept = state.rows.get(rowKey(r));
    if (kept && r.rev > kept.ackedRev) kept.ackedRev = r.rev;
  }
}

/** Sum of the rows' costs, in nano-dollars: what the server should hold for this machine once all is acknowledged. */
export function outboxTotalNanoUsd(state: OutboxState): number {
  let sum = 0;
  for (const { row } of state.rows.values()) sum += row.costNanoUsd;
  return sum;
}

/** How long to wait before retry `attempt` (1, 2, …): exponential from `baseMs`, capped, with ±50 % jitter, and
 * never less than the server's Retry-After. `random` is in [0, 1). */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: number, retryAfterMs?: number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exp * (0.5 + random));
  return Math.max(jittered, retryAfterMs ?? 0);
}
