// Compact, JSON-safe encoding of what the log reader feeds the ledger (the "ops"), shared by the store's snapshot
// and journal and by the scan workers. One encoding keeps the three in agreement: replaying decoded ops into a
// ledger yields the same ledger as reading the logs.
import type { FileContribution, LedgerSink } from '../core/ledger';
import type { EstimateRecord, ParsedLine, RejectionReason, SessionEvent, UsageRecord } from '../core/usageRecord';
import { intern } from '../core/sources/jsonl';

/** One encoded parser output (see encodeParsed). */
export type Item = (string | number | null)[];

/** What one read of one file produced, ready to persist or to post from a worker. */
export interface FileOps {
  path: string;
  /** The file's earlier contribution was dropped before these ops (truncated / replaced file). */
  reset?: boolean;
  lines: number;
  repaired?: Record<string, number>;
  items: Item[];
}

/** Maps repeated strings to indexes (snapshot) or leaves them inline (journal, worker messages). */
export interface StringCodec {
  enc(s: string | undefined | null): string | number | null;
  dec(v: unknown): string | undefined;
}

export const inlineStrings: StringCodec = {
  enc: (s) => s ?? null,
  dec: (v) => (typeof v === 'string' ? intern(v) : undefined),
};

export function tableStrings(table: string[] = []): StringCodec & { table: string[] } {
  const index = new Map<string, number>(table.map((s, i) => [s, i]));
  return {
    table,
    enc(s) {
      if (s == null) return null;
      let i = index.get(s);
      if (i === undefined) {
        i = table.length;
        table.push(s);
        index.set(s, i);
      }
      return i;
    },
    dec: (v) => (typeof v === 'number' ? intern(table[v] ?? '') : typeof v === 'string' ? intern(v) : undefined),
  };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const optNum = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export function encodeRecord(r: UsageRecord, s: StringCodec): Item {
  const t = r.tokens;
  const flags = (r.fast ? 1 : 0) | (r.copied ? 2 : 0) | (r.agent === 'codex' ? 4 : 0);
  return ['u', r.key, r.timestamp, s.enc(r.model), s.enc(r.sessionId), s.enc(r.agentId), s.enc(r.project), s.enc(r.branch),
    t.input, t.output, t.cacheRead, t.cacheWrite5m, t.cacheWrite1h, r.webSearchRequests, flags, r.contextWindow ?? null, s.enc(r.stopReason)];
}

export function encodeEstimate(e: EstimateRecord, s: StringCodec): Item {
  const t = e.tokens;
  return ['e', e.key, s.enc(e.sessionId), e.timestamp, s.enc(e.model), e.reason, t.input, t.output, t.cacheRead, t.cacheWrite5m, t.cacheWrite1h];
}

export function encodeEvent(ev: SessionEvent, s: StringCodec): Item {
  switch (ev.kind) {
    case 'compaction':
      return ['c', ev.key, s.enc(ev.sessionId), ev.timestamp, ev.preTokens ?? null, ev.postTokens ?? null];
    case 'api-error':
      return ['x', ev.key, s.enc(ev.sessionId), ev.timestamp, ev.status ?? null, ev.error ?? null];
    case 'session-meta':
      return ['m', s.enc(ev.sessionId), s.enc(ev.project), s.enc(ev.branch), ev.timestamp ?? null];
    case 'tool-call':
      return ['t', ev.key, s.enc(ev.name), ev.fingerprint, ev.target, ev.toolId];
    case 'tool-error':
      return ['f', ev.toolId];
  }
}

/** Encodes a parser output; `skip` has no encoding (undefined). */
export function encodeParsed(p: ParsedLine, s: StringCodec): Item[] {
  switch (p.kind) {
    case 'usage':
      return p.events ? [encodeRecord(p.record, s), ...p.events.map((e) => encodeEvent(e, s))] : [encodeRecord(p.record, s)];
    case 'estimate':
      return p.event ? [encodeEvent(p.event, s), encodeEstimate(p.estimate, s)] : [encodeEstimate(p.estimate, s)];
    case 'event':
      return [encodeEvent(p.event, s)];
    case 'rejected':
      return [['r', p.reason]];
    case 'skip':
      return [];
  }
}

export function decodeItem(it: Item, s: StringCodec): ParsedLine {
  switch (it[0]) {
    case 'u': {
      const flags = num(it[14]);
      const record: UsageRecord = {
        agent: flags & 4 ? 'codex' : 'claude-code',
        key: str(it[1]),
        timestamp: str(it[2]),
        model: s.dec(it[3]) ?? 'unknown',
        sessionId: s.dec(it[4]) ?? '',
        agentId: s.dec(it[5]),
        project: s.dec(it[6]),
        branch: s.dec(it[7]),
        tokens: { input: num(it[8]), output: num(it[9]), cacheRead: num(it[10]), cacheWrite5m: num(it[11]), cacheWrite1h: num(it[12]) },
        webSearchRequests: num(it[13]),
        fast: (flags & 1) !== 0,
        contextWindow: optNum(it[15]),
        stopReason: s.dec(it[16]),
      };
      if (flags & 2) record.copied = true;
      return { kind: 'usage', record };
    }
    case 'e':
      return {
        kind: 'estimate',
        estimate: {
          key: str(it[1]),
          sessionId: s.dec(it[2]) ?? '',
          timestamp: str(it[3]),
          model: s.dec(it[4]),
          reason: it[5] === 'session-title' ? 'session-title' : 'compact-summary',
          tokens: { input: num(it[6]), output: num(it[7]), cacheRead: num(it[8]), cacheWrite5m: num(it[9]), cacheWrite1h: num(it[10]) },
        },
      };
    case 'c':
      return { kind: 'event', event: { kind: 'compaction', key: str(it[1]), sessionId: s.dec(it[2]) ?? '', timestamp: str(it[3]), preTokens: optNum(it[4]), postTokens: optNum(it[5]) } };
    case 'x':
      return { kind: 'event', event: { kind: 'api-error', key: str(it[1]), sessionId: s.dec(it[2]) ?? '', timestamp: str(it[3]), status: optNum(it[4]), error: typeof it[5] === 'string' ? it[5] : undefined } };
    case 'm':
      return { kind: 'event', event: { kind: 'session-meta', sessionId: s.dec(it[1]) ?? '', project: s.dec(it[2]), branch: s.dec(it[3]), timestamp: typeof it[4] === 'string' ? it[4] : undefined } };
    case 't':
      return { kind: 'event', event: { kind: 'tool-call', key: str(it[1]), name: s.dec(it[2]) ?? '', fingerprint: num(it[3]), target: num(it[4]), toolId: num(it[5]) } };
    case 'f':
      return { kind: 'event', event: { kind: 'tool-error', toolId: num(it[1]) } };
    case 'r':
      return { kind: 'rejected', reason: str(it[1]) as RejectionReason };
    default:
      return { kind: 'skip' };
  }
}

/** Encodes everything a file contributed (for the snapshot): the same ops a fresh read would produce, deduped. */
export function encodeContribution(f: FileContribution, records: Iterable<UsageRecord>, s: StringCodec): Omit<FileOps, 'path'> {
  const items: Item[] = [];
  for (const m of f.sessionMeta) items.push(encodeEvent(m, s));
  for (const r of records) items.push(encodeRecord(r, s));
  for (const c of f.compactions.values()) items.push(encodeEvent(c, s));
  for (const e of f.estimates.values()) items.push(encodeEstimate(e, s));
  for (const x of f.apiErrors.values()) items.push(encodeEvent(x, s));
  for (const [reason, n] of Object.entries(f.rejected)) for (let i = 0; i < (n ?? 0); i++) items.push(['r', reason]);
  return { lines: f.lines, repaired: { ...f.repaired }, items };
}

/** Replays one file's ops into a sink (the ledger itself, or a recorder in front of it). */
export function applyOps(ops: FileOps, sink: LedgerSink, s: StringCodec): void {
  if (ops.reset) sink.resetFile(ops.path);
  sink.touchFile(ops.path);
  if (ops.lines) sink.countLine(ops.path, ops.lines);
  for (const [what, n] of Object.entries(ops.repaired ?? {})) for (let i = 0; i < n; i++) sink.countRepair(ops.path, what);
  for (const it of ops.items) sink.add(ops.path, decodeItem(it, s));
}

/**
 * A sink that records what a read fed the ledger, per file, so it can be persisted (journal) or posted (worker).
 * With a `target` it also applies every op to it as it comes.
 */
export class RecordingSink implements LedgerSink {
  private readonly ops = new Map<string, FileOps>();
  unreadable: { path: string; error: string }[];

  /**
   * `strings`: inline (the journal), or a table (a worker's message: each distinct string is posted, and interned by
   * the receiver, once per file instead of once per item).
   */
  constructor(
    private readonly target?: LedgerSink,
    private readonly strings: StringCodec = inlineStrings,
  ) {
    this.unreadable = target ? target.unreadable : [];
  }

  private opsFor(path: string): FileOps {
    let o = this.ops.get(path);
    if (!o) this.ops.set(path, (o = { path, lines: 0, items: [] }));
    return o;
  }

  touchFile(path: string): void {
    this.opsFor(path);
    this.target?.touchFile(path);
  }

  countLine(path: string, lines = 1): void {
    this.opsFor(path).lines += lines;
    this.target?.countLine(path, lines);
  }

  add(path: string, parsed: ParsedLine): void {
    const encoded = encodeParsed(parsed, this.strings);
    if (encoded.length) this.opsFor(path).items.push(...encoded);
    this.target?.add(path, parsed);
  }

  countRepair(path: string, what: string): void {
    const o = this.opsFor(path);
    o.repaired ??= {};
    o.repaired[what] = (o.repaired[what] ?? 0) + 1;
    this.target?.countRepair(path, what);
  }

  resetFile(path: string): void {
    // Whatever was recorded for this file before the reset is void too.
    this.ops.set(path, { path, reset: true, lines: 0, items: [] });
    this.target?.resetFile(path);
  }

  /**
   * The recorded ops, and forgets them. With inline strings (ops to persist), copies of one response within a file
   * collapse to the copy the ledger keeps (the largest, the original over a fork copy), so a replay yields the same
   * ledger from fewer items. A worker's ops go straight to a ledger, which picks among copies itself: not worth the
   * cost there (copies that differ are ~2% of the items).
   */
  take(): FileOps[] {
    const out = [...this.ops.values()];
    this.ops.clear();
    if (this.strings === inlineStrings) for (const o of out) o.items = dedupItems(o.items);
    return out;
  }
}

const itemTokens = (it: Item) => num(it[8]) + num(it[9]) + num(it[10]) + num(it[11]) + num(it[12]);
const isCopy = (it: Item) => (num(it[14]) & 2) !== 0;

/** Keeps, per key, the usage item the ledger would count and the first of each keyed event; order preserved. */
function dedupItems(items: Item[]): Item[] {
  const at = new Map<string, number>();
  const out: Item[] = [];
  for (const it of items) {
    const kind = it[0];
    if (kind !== 'u' && kind !== 'e' && kind !== 'c' && kind !== 'x') {
      out.push(it);
      continue;
    }
    const key = `${kind}${str(it[1])}`;
    const i = at.get(key);
    if (i === undefined) {
      at.set(key, out.length);
      out.push(it);
    } else if (kind === 'u') {
      const kept = out[i]!;
      const a = itemTokens(it);
      const b = itemTokens(kept);
      const better = a !== b ? a > b : isCopy(kept) !== isCopy(it) ? isCopy(kept) : str(it[4]) < str(kept[4]);
      const winner = better ? it : kept;
      const loser = winner === it ? kept : it;
      // As the ledger does: a Codex record learns its window from its token_count twin.
      if (winner[15] == null && loser[15] != null) winner[15] = loser[15];
      out[i] = winner;
    }
  }
  return out;
}
