// Synthetic Claude Code history for the benchmark, shaped like what the real CLI writes (notes/claude-code-logs.md
// §1–§9 and the recorded fixtures in test/fixtures/claude-real): compact JSON in the CLI's field order, one line per
// content block carrying the same message.id/requestId/usage (tool_use blocks of one response sometimes split by a
// tool_result), subagent files with .meta.json, forks that copy a parent's history, compactions, `<synthetic>` error
// lines, interactive (`cli`) and print-mode (`sdk-cli`) sessions. Deterministic for a seed and an end date.
// The manifest carries the expected totals (one count per message.id:requestId, `<synthetic>` never billed, prices of
// notes §10), so when two tools disagree on the corpus the generator's own count says which one is wrong.
//
//   node --import tsx scripts/bench/corpus.ts --out DIR [--seed 1] [--mb 500] [--files 1500] [--days 60] [--end D]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const DAY_MS = 86_400_000;
/** Every request's prompt (input + cache read + cache write) stays below this: tools price >200K tiers differently. */
const PROMPT_CAP = 199_000;
/** Bytes per "MB" in --mb (decimal, like the 481 MB baseline in notes/anchors.md §2.1). */
const MB = 1_000_000;
export const CORPUS_FORMAT = 4;

export const MODELS = {
  sonnet: 'claude-sonnet-4-5-20250929',
  haiku: 'claude-haiku-4-5-20251001',
  opus: 'claude-opus-4-5-20251101',
} as const;

/** USD per million tokens, as Claude Code itself prices these models (notes §10). Used for the expected cost only. */
const PRICES: Record<string, { input: number; output: number; cacheWrite5m: number; cacheWrite1h: number; cacheRead: number }> = {
  [MODELS.sonnet]: { input: 3, output: 15, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.3 },
  [MODELS.haiku]: { input: 1, output: 5, cacheWrite5m: 1.25, cacheWrite1h: 2, cacheRead: 0.1 },
  [MODELS.opus]: { input: 5, output: 25, cacheWrite5m: 6.25, cacheWrite1h: 10, cacheRead: 0.5 },
};

const CLI_VERSIONS = ['2.1.181', '2.1.190', '2.1.197'];

// ---------------------------------------------------------------------------------------------------------------
// Randomness: our own small PRNGs so a seed means the same corpus on every machine and Node version.

/** mulberry32: 32-bit state; only used to expand a seed into sfc32's 128-bit state. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HEX = '0123456789abcdef';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * sfc32: 128-bit state. Each session draws from its own stream, and a 32-bit generator walks a single 2^32 cycle, so
 * with mulberry32 two sessions' streams overlapped in a 500 MB corpus and produced the same message id twice.
 */
export function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    const t0 = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const t = (t0 + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

export class Dice {
  private readonly next: () => number;
  /** A number seed (expanded through mulberry32) or a full 128-bit state. */
  constructor(seed: number | readonly [number, number, number, number]) {
    let state: readonly [number, number, number, number];
    if (typeof seed === 'number') {
      const m = mulberry32(seed);
      const word = (): number => Math.floor(m() * 4294967296) | 0;
      state = [word(), word(), word(), word()];
    } else state = seed;
    this.next = sfc32(...state);
    for (let i = 0; i < 15; i++) this.next(); // mix the seed in
  }
  /** An independent stream for a sub-task (a session, a subagent), drawn from this one. */
  fork(): Dice {
    const word = (): number => Math.floor(this.next() * 4294967296) | 0;
    return new Dice([word(), word(), word(), word()]);
  }
  float(): number {
    return this.next();
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  /** Heavy-tailed sizes: median `median`, spread `sigma` (natural log units), clamped to [lo, hi]. */
  logNormal(median: number, sigma: number, lo = 0, hi = Number.MAX_SAFE_INTEGER): number {
    return Math.round(Math.min(hi, Math.max(lo, median * Math.exp(sigma * this.normal()))));
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += HEX[Math.floor(this.next() * 16)];
    return s;
  }
  base62(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += BASE62[Math.floor(this.next() * 62)];
    return s;
  }
  uuid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${HEX[8 + this.int(0, 3)]}${this.hex(3)}-${this.hex(12)}`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Filler text: a pool of code-like lines sliced at random offsets (fast; the content never matters, its size does).

const WORDS = [
  'const', 'let', 'return', 'await', 'async', 'function', 'import', 'export', 'from', 'if', 'else', 'for', 'of',
  'ledger', 'session', 'request', 'usage', 'tokens', 'cache', 'model', 'price', 'report', 'config', 'path', 'file',
  'buffer', 'offset', 'stream', 'watcher', 'state', 'reader', 'parser', 'line', 'value', 'result', 'error', 'items',
  'map', 'filter', 'reduce', 'length', 'push', 'JSON.parse', 'readFile', 'Promise.all', 'new Map()', 'null', 'true',
  'false', 'undefined', '===', '=>', '+=', '{', '}', '(', ')', '[', ']', ';', ',', '"total"', "'utf8'", '`${id}`',
  '// why:', 'TODO', 'assert.equal', 'describe', 'it', 'expect', 'npm', 'run', 'build', 'src/core', 'test/node',
  '—', 'café', '✓', '→', '\\n', '\\t', 'C:\\\\Users', 'ok', 'fail', '200', '404', '1.5x', '0.3', '42', '1024',
];

class TextPool {
  private readonly pool: string;
  constructor(dice: Dice, chars = 1 << 19) {
    const lines: string[] = [];
    let total = 0;
    while (total < chars) {
      const indent = '  '.repeat(dice.int(0, 4));
      const n = dice.int(2, 14);
      const words: string[] = [];
      for (let i = 0; i < n; i++) words.push(dice.pick(WORDS));
      const line = indent + words.join(' ');
      lines.push(line);
      total += line.length + 1;
    }
    this.pool = lines.join('\n');
  }
  /** About `len` characters of code-like text. */
  take(dice: Dice, len: number): string {
    if (len <= 0) return '';
    if (len >= this.pool.length) return this.pool.repeat(Math.ceil(len / this.pool.length)).slice(0, len);
    const start = dice.int(0, this.pool.length - len);
    return this.pool.slice(start, start + len);
  }
  /** Text shaped like the Read tool's output: `N\t<line>` per line. */
  numbered(dice: Dice, len: number): { raw: string; numbered: string; lines: number } {
    const raw = this.take(dice, len);
    const lines = raw.split('\n');
    return { raw, numbered: lines.map((l, i) => `${i + 1}\t${l}`).join('\n'), lines: lines.length };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Totals the corpus must produce (the oracle for the agreement check).

export interface TokenTotals {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

export interface ModelTotals extends TokenTotals {
  requests: number;
}

export interface ExpectedTotals {
  requests: number;
  tokens: TokenTotals;
  costUsd: number;
  byModel: Record<string, ModelTotals & { costUsd: number }>;
}

class Expected {
  readonly byModel = new Map<string, ModelTotals>();
  private readonly keys = new Set<string>();
  add(model: string, u: UsageNumbers, key: string): void {
    // A repeated id would be deduplicated by every reader and silently break the expected totals.
    if (this.keys.has(key)) throw new Error(`generator produced message id ${key} twice`);
    this.keys.add(key);
    let m = this.byModel.get(model);
    if (!m) {
      m = { requests: 0, input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
      this.byModel.set(model, m);
    }
    m.requests++;
    m.input += u.input;
    m.output += u.output;
    m.cacheRead += u.cacheRead;
    m.cacheWrite5m += u.cacheWrite5m;
    m.cacheWrite1h += u.cacheWrite1h;
  }
  summary(): ExpectedTotals {
    const tokens: TokenTotals = { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
    const byModel: ExpectedTotals['byModel'] = {};
    let requests = 0;
    let costUsd = 0;
    for (const [model, m] of [...this.byModel.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
      const p = PRICES[model];
      const cost = p
        ? (m.input * p.input + m.output * p.output + m.cacheRead * p.cacheRead + m.cacheWrite5m * p.cacheWrite5m + m.cacheWrite1h * p.cacheWrite1h) / 1e6
        : 0;
      byModel[model] = { ...m, costUsd: cost };
      requests += m.requests;
      costUsd += cost;
      tokens.input += m.input;
      tokens.output += m.output;
      tokens.cacheRead += m.cacheRead;
      tokens.cacheWrite5m += m.cacheWrite5m;
      tokens.cacheWrite1h += m.cacheWrite1h;
    }
    return { requests, tokens, costUsd, byModel };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Line rendering. Envelopes are string templates so the field order is exactly the CLI's; payloads go through
// JSON.stringify (escaping).

interface UsageNumbers extends TokenTotals {
  /** true: a subagent line holding the raw `message_start` snapshot (output_tokens 1, stop_reason null; notes §5). */
  snapshot: boolean;
}

function usageJson(u: UsageNumbers): string {
  const write = u.cacheWrite5m + u.cacheWrite1h;
  const cc = `{"ephemeral_1h_input_tokens":${u.cacheWrite1h},"ephemeral_5m_input_tokens":${u.cacheWrite5m}}`;
  if (u.snapshot) {
    return `{"input_tokens":${u.input},"cache_creation_input_tokens":${write},"cache_read_input_tokens":${u.cacheRead},"cache_creation":${cc},"output_tokens":${u.output},"service_tier":"standard"}`;
  }
  return (
    `{"input_tokens":${u.input},"cache_creation_input_tokens":${write},"cache_read_input_tokens":${u.cacheRead},` +
    `"output_tokens":${u.output},"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},` +
    `"service_tier":"standard","cache_creation":${cc},"inference_geo":"","iterations":[],"speed":"standard"}`
  );
}

const SYNTHETIC_USAGE =
  '{"input_tokens":0,"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,' +
  '"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":null,' +
  '"cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"inference_geo":null,"iterations":null,"speed":null}';

const q = (s: string | null): string => (s === null ? 'null' : JSON.stringify(s));

/** Collects one transcript file's lines; flushes in large writes. */
class TranscriptFile {
  private parts: string[] = [];
  private pending = 0;
  private fd: number | undefined;
  chars = 0;
  lines = 0;
  bytes = 0;
  constructor(readonly file: string) {}
  push(line: string): void {
    this.parts.push(line, '\n');
    this.chars += line.length + 1;
    this.pending += line.length + 1;
    this.lines++;
    if (this.pending > 8 << 20) this.flush();
  }
  private flush(): void {
    if (this.parts.length === 0) return;
    if (this.fd === undefined) {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      this.fd = fs.openSync(this.file, 'w');
    }
    const buf = Buffer.from(this.parts.join(''), 'utf8');
    fs.writeSync(this.fd, buf);
    this.bytes += buf.length;
    this.parts = [];
    this.pending = 0;
  }
  close(): void {
    if (this.fd === undefined) {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      this.fd = fs.openSync(this.file, 'w');
    }
    this.flush();
    fs.closeSync(this.fd);
  }
}

interface Project {
  cwd: string;
  branch: string;
  files: string[];
}

/** What every line of one transcript shares. */
interface Identity {
  sessionId: string;
  cwd: string;
  gitBranch: string;
  version: string;
  entrypoint: 'cli' | 'sdk-cli';
  /** Set on subagent transcripts. */
  agentId?: string;
  agentType?: string;
}

type CacheMode = 'm5' | 'h1' | 'mixed';

interface Block {
  kind: 'thinking' | 'text' | 'tool_use';
  json: string;
  /** For tool_use: renders the result once the tool "ran". */
  tool?: ToolCall;
}

interface ToolCall {
  id: string;
  name: string;
  /** Builds the user tool_result line's payload: message content and toolUseResult JSON. */
  result: () => { content: string; toolUseResult: string; chars: number; isError: boolean };
}

export interface TurnStats {
  lines: number;
  requests: number;
  chars: number;
  tokens: TokenTotals;
}

/**
 * Writes the lines of one transcript (main session or subagent), keeping the conversation state that shapes the
 * numbers: the clock, the context size (prompt grows with tool results, compaction resets it), the cache mode.
 */
class TranscriptWriter {
  private tail: string;
  lastUuid: string | null = null;
  clock: number;
  /** Prompt tokens already in the cache prefix, and tokens added since the last request. */
  private cached = 0;
  private pendingTokens = 0;
  private cacheCold = true;
  private lastRequestAt = 0;
  private compactAt: number;
  slug: string | null = null;
  lastUsage: UsageNumbers | null = null;
  readonly stats: TurnStats = { lines: 0, requests: 0, chars: 0, tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 } };
  toolUses = 0;
  compactions = 0;

  constructor(
    readonly out: { push(line: string): void },
    readonly id: Identity,
    readonly dice: Dice,
    readonly pool: TextPool,
    readonly expected: Expected | null,
    readonly cacheMode: CacheMode,
    startMs: number,
    readonly project: Project,
    readonly snapshotUsage = false,
  ) {
    this.clock = startMs;
    this.tail = this.renderTail();
    this.compactAt = dice.int(140_000, 175_000);
  }

  private renderTail(): string {
    const i = this.id;
    return (
      `"userType":"external","entrypoint":"${i.entrypoint}","cwd":${q(i.cwd)},"sessionId":"${i.sessionId}",` +
      `"version":"${i.version}","gitBranch":${q(i.gitBranch)}${this.slug ? `,"slug":"${this.slug}"` : ''}`
    );
  }

  private head(parent: string | null): string {
    const side = this.id.agentId ? `"isSidechain":true,` : `"isSidechain":false,`;
    return `{"parentUuid":${q(parent)},${side}`;
  }

  private agentField(): string {
    return this.id.agentId ? `"agentId":"${this.id.agentId}",` : '';
  }

  private emit(line: string, uuid: string | null): void {
    this.out.push(line);
    this.stats.lines++;
    this.stats.chars += line.length + 1;
    if (uuid) this.lastUuid = uuid;
  }

  private stamp(): string {
    return new Date(this.clock).toISOString();
  }

  /** Simulated durations are multiplied by this (appended turns are squeezed into "just now"). */
  timeScale = 1;

  advance(ms: number): void {
    this.clock += Math.max(1, Math.round(ms * this.timeScale));
  }

  /** The parts of a prompt the model sees again next time (user text, tool output, its own output). */
  addContext(chars: number): void {
    this.pendingTokens += Math.ceil(chars / 3.6);
  }

  // --- lines without usage -------------------------------------------------------------------------------------

  queueOperation(prompt: string): void {
    const ts = this.stamp();
    this.emit(`{"type":"queue-operation","operation":"enqueue","timestamp":"${ts}","sessionId":"${this.id.sessionId}","content":${q(prompt)}}`, null);
    this.advance(1);
    this.emit(`{"type":"queue-operation","operation":"dequeue","timestamp":"${this.stamp()}","sessionId":"${this.id.sessionId}"}`, null);
  }

  modeLine(): void {
    this.emit(`{"type":"mode","mode":"normal","sessionId":"${this.id.sessionId}"}`, null);
  }

  permissionMode(): void {
    this.emit(`{"type":"permission-mode","permissionMode":"default","sessionId":"${this.id.sessionId}"}`, null);
  }

  fileHistorySnapshot(): void {
    const mid = this.dice.uuid();
    this.emit(
      `{"type":"file-history-snapshot","messageId":"${mid}","snapshot":{"messageId":"${mid}","trackedFileBackups":{},"timestamp":"${this.stamp()}"},"isSnapshotUpdate":false}`,
      null,
    );
  }

  aiTitle(title: string): void {
    this.emit(`{"type":"ai-title","aiTitle":${q(title)},"sessionId":"${this.id.sessionId}"}`, null);
  }

  lastPrompt(prompt: string): void {
    this.emit(`{"type":"last-prompt","lastPrompt":${q(prompt.slice(0, 200))},"leafUuid":${q(this.lastUuid)},"sessionId":"${this.id.sessionId}"}`, null);
  }

  userPrompt(text: string, promptId: string, opts: { first?: boolean } = {}): void {
    const uuid = this.dice.uuid();
    const parent = opts.first ? null : this.lastUuid;
    const origin = this.id.entrypoint === 'cli' && !this.id.agentId ? `,"origin":{"kind":"human"},"promptSource":"typed"` : this.id.agentId ? '' : `,"promptSource":"sdk"`;
    const perm = this.id.agentId ? '' : `,"permissionMode":"default"`;
    this.emit(
      `${this.head(parent)}"promptId":"${promptId}",${this.agentField()}"type":"user","message":{"role":"user","content":${q(text)}},` +
        `"uuid":"${uuid}","timestamp":"${this.stamp()}"${perm}${origin},${this.tail}}`,
      uuid,
    );
    this.addContext(text.length);
  }

  attachment(kind: 'agent_listing_delta' | 'skill_listing'): void {
    const uuid = this.dice.uuid();
    let body: string;
    if (kind === 'agent_listing_delta') {
      const lines = AGENT_TYPES.map((t) => `- ${t}: ${this.pool.take(this.dice, this.dice.int(150, 600))} (Tools: *)`);
      body = `{"type":"agent_listing_delta","addedTypes":${JSON.stringify(AGENT_TYPES)},"addedLines":${JSON.stringify(lines)},"removedTypes":[],"isInitial":true,"showConcurrencyNote":true}`;
    } else {
      const skills = SKILLS.map((s) => `- ${s}: ${this.pool.take(this.dice, this.dice.int(200, 700))}`).join('\n');
      body = `{"type":"skill_listing","content":${q(skills)},"skillCount":${SKILLS.length},"isInitial":true}`;
    }
    this.emit(`${this.head(this.lastUuid)}${this.agentField()}"attachment":${body},"type":"attachment","uuid":"${uuid}","timestamp":"${this.stamp()}",${this.tail}}`, uuid);
  }

  turnDuration(ms: number, messageCount: number): void {
    const uuid = this.dice.uuid();
    this.emit(
      `${this.head(this.lastUuid)}"type":"system","subtype":"turn_duration","durationMs":${Math.round(ms)},"messageCount":${messageCount},` +
        `"timestamp":"${this.stamp()}","uuid":"${uuid}","isMeta":false,${this.tail}}`,
      uuid,
    );
  }

  /** Auto-compaction: boundary + summary lines; the summarisation request itself is billed but never logged (§8). */
  compaction(promptId: string): void {
    const pre = this.cached + this.pendingTokens;
    const post = this.dice.int(12_000, 30_000);
    const uuid = this.dice.uuid();
    if (!this.slug) {
      this.slug = `${this.dice.pick(SLUG_A)}-${this.dice.pick(SLUG_B)}-${this.dice.pick(SLUG_C)}`;
      this.tail = this.renderTail();
    }
    const meta = `{"trigger":"auto","preTokens":${pre},"durationMs":${this.dice.int(20_000, 90_000)},"postTokens":${post},"cumulativeDroppedTokens":${pre - post}}`;
    this.emit(
      `{"parentUuid":null,"logicalParentUuid":${q(this.lastUuid)},"isSidechain":false,"type":"system","subtype":"compact_boundary",` +
        `"content":"Conversation compacted","isMeta":false,"timestamp":"${this.stamp()}","uuid":"${uuid}","level":"info","compactMetadata":${meta},${this.tail}}`,
      uuid,
    );
    this.advance(this.dice.int(50, 400));
    const summary =
      'This session is being continued from a previous conversation that ran out of context. The summary below covers the earlier portion of the conversation.\n\nSummary:\n' +
      this.pool.take(this.dice, this.dice.int(2_000, 9_000));
    const sUuid = this.dice.uuid();
    this.emit(
      `${this.head(uuid)}"promptId":"${promptId}","type":"user","message":{"role":"user","content":${q(summary)}},"isVisibleInTranscriptOnly":true,` +
        `"isCompactSummary":true,"uuid":"${sUuid}","timestamp":"${this.stamp()}",${this.tail}}`,
      sUuid,
    );
    this.cached = 0;
    this.pendingTokens = post;
    this.cacheCold = true;
    this.compactions++;
    this.compactAt = this.dice.int(140_000, 175_000);
  }

  /** Retries exhausted: one `<synthetic>` line with zero usage (§9); never billed. */
  apiError(): void {
    const uuid = this.dice.uuid();
    const status = this.dice.pick([529, 529, 500, 429]);
    const text = status === 429 ? 'API Error: 429 Rate limited. Please wait a moment and try again.' : `API Error: ${status} ${status === 529 ? 'Overloaded' : 'Internal server error'}. This is a server-side issue, usually temporary — try again in a moment.`;
    this.emit(
      `${this.head(this.lastUuid)}"type":"assistant","uuid":"${uuid}","timestamp":"${this.stamp()}","message":{"id":"${this.dice.uuid()}","container":null,` +
        `"model":"<synthetic>","role":"assistant","stop_details":null,"stop_reason":"stop_sequence","stop_sequence":"","type":"message","usage":${SYNTHETIC_USAGE},` +
        `"content":[{"type":"text","text":${q(text)}}],"context_management":null},"requestId":"req_011C${this.dice.base62(20)}",` +
        `"error":"${status === 429 ? 'rate_limit' : 'server_error'}","isApiErrorMessage":true,"apiErrorStatus":${status},${this.tail}}`,
      uuid,
    );
  }

  // --- requests --------------------------------------------------------------------------------------------------

  /** Usage for the next request, from the conversation state; compaction happens before it when due. */
  private nextUsage(outputTokens: number, promptId: string): UsageNumbers {
    const d = this.dice;
    if (!this.id.agentId && this.cached + this.pendingTokens > this.compactAt) this.compaction(promptId);
    const idle = this.clock - this.lastRequestAt;
    // The 5m cache expires during long pauses; the 1h one survives them.
    const ttl = this.cacheMode === 'm5' ? 5 * 60_000 : 60 * 60_000;
    const cold = this.cacheCold || idle > ttl;
    const input = d.chance(0.85) ? d.int(1, 12) : d.int(20, 3_000);
    let read: number;
    let write: number;
    if (cold) {
      const systemPrefix = d.int(9_000, 16_000);
      read = this.cached > 0 && d.chance(0.3) ? Math.min(this.cached, systemPrefix) : 0;
      write = this.cached + this.pendingTokens + (this.cached === 0 ? systemPrefix : 0) - read;
    } else {
      read = this.cached;
      write = this.pendingTokens;
    }
    write = Math.max(write, d.int(0, 400));
    if (input + read + write > PROMPT_CAP) write = Math.max(0, PROMPT_CAP - input - read);
    if (input + read + write > PROMPT_CAP) {
      read = PROMPT_CAP - input - write;
    }
    let w1h = 0;
    if (this.cacheMode === 'h1') w1h = write;
    else if (this.cacheMode === 'mixed') w1h = Math.round(write * d.float());
    const snapshot = this.snapshotUsage;
    const u: UsageNumbers = {
      input,
      output: snapshot ? 1 : outputTokens,
      cacheRead: read,
      cacheWrite5m: write - w1h,
      cacheWrite1h: w1h,
      snapshot,
    };
    this.cached = input + read + write;
    this.pendingTokens = outputTokens;
    this.cacheCold = false;
    this.lastRequestAt = this.clock;
    return u;
  }

  /**
   * One API response: k content blocks become k assistant lines with the same id, requestId and usage (§4); the
   * tool results follow their tool_use line, and with parallel calls a result sometimes sits between two blocks.
   */
  response(model: string, blocks: Block[], promptId: string, opts: { maxTokens?: boolean } = {}): void {
    const d = this.dice;
    const outputTokens = blocks.reduce((n, b) => n + (b.kind === 'thinking' ? d.int(80, 2_500) : b.kind === 'text' ? d.int(15, 1_200) : d.int(40, 700)), 0);
    this.advance(d.logNormal(4_000, 0.8, 600, 90_000)); // time to first block
    const u = this.nextUsage(opts.maxTokens ? 32_000 : outputTokens, promptId);
    this.lastUsage = u;
    const msgId = `msg_01${d.base62(22)}`;
    const requestId = `req_011C${d.base62(20)}`;
    this.expected?.add(model, u, `${msgId}:${requestId}`);
    this.stats.requests++;
    for (const k of ['input', 'output', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h'] as const) this.stats.tokens[k] += u[k];
    const tools = blocks.filter((b) => b.kind === 'tool_use');
    const stop = this.snapshotUsage ? 'null' : opts.maxTokens ? '"max_tokens"' : tools.length ? '"tool_use"' : '"end_turn"';
    const usage = usageJson(u);
    const interleave = tools.length > 1 && d.chance(0.5);
    const awaiting: { block: Block; uuid: string }[] = [];
    for (const b of blocks) {
      const uuid = d.uuid();
      const attribution = this.id.agentId ? `"attributionAgent":"${this.id.agentType ?? 'general-purpose'}",` : '';
      this.emit(
        `${this.head(this.lastUuid)}${this.agentField()}"message":{"id":"${msgId}","type":"message","role":"assistant","model":"${model}","content":[${b.json}],` +
          `"stop_reason":${stop},"stop_sequence":null,"usage":${usage},"stop_details":null},"requestId":"${requestId}",${attribution}"type":"assistant",` +
          `"uuid":"${uuid}","timestamp":"${this.stamp()}",${this.tail}}`,
        uuid,
      );
      this.advance(d.logNormal(300, 1.2, 3, 20_000));
      if (b.tool) {
        awaiting.push({ block: b, uuid });
        if (interleave && awaiting.length === 1 && tools.length > 1) this.toolResult(awaiting.shift()!, promptId);
      }
    }
    for (const a of awaiting) this.toolResult(a, promptId);
  }

  private toolResult(a: { block: Block; uuid: string }, promptId: string): void {
    const tool = a.block.tool!;
    this.advance(this.dice.logNormal(900, 1.6, 20, 120_000));
    const r = tool.result();
    const uuid = this.dice.uuid();
    // As the real CLI writes them: a success `tool_use_id` first, a failure `type` first with `tool_use_id` last.
    const block = r.isError
      ? `{"type":"tool_result","content":${r.content},"is_error":true,"tool_use_id":"${tool.id}"}`
      : `{"tool_use_id":"${tool.id}","type":"tool_result","content":${r.content}${tool.name === 'Bash' ? ',"is_error":false' : ''}}`;
    this.emit(
      `${this.head(a.uuid)}"promptId":"${promptId}",${this.agentField()}"type":"user","message":{"role":"user","content":[${block}]},` +
        `"uuid":"${uuid}","timestamp":"${this.stamp()}","toolUseResult":${r.toolUseResult},"sourceToolAssistantUUID":"${a.uuid}",${this.tail}}`,
      uuid,
    );
    this.addContext(r.chars);
  }

  // --- content blocks --------------------------------------------------------------------------------------------

  thinking(): Block {
    const text = this.pool.take(this.dice, this.dice.logNormal(120, 0.9, 20, 6_000));
    return { kind: 'thinking', json: `{"type":"thinking","thinking":${q(text)},"signature":"${this.dice.base62(this.dice.int(100, 400))}"}` };
  }

  text(): Block {
    const text = this.pool.take(this.dice, this.dice.logNormal(90, 1.0, 8, 8_000));
    return { kind: 'text', json: `{"type":"text","text":${q(text)}}` };
  }

  /** A tool call and the result it will produce; sizes are heavy-tailed like real Read/Bash/Edit output. */
  toolUse(name?: string): Block {
    const d = this.dice;
    const pool = this.pool;
    const id = `toolu_01${d.base62(22)}`;
    const file = `${this.project.cwd}/${d.pick(this.project.files)}`;
    const tool = name ?? d.pick(TOOL_MIX);
    this.toolUses++;
    let input: string;
    let result: ToolCall['result'];
    switch (tool) {
      case 'Read': {
        input = `{"file_path":${q(file)}}`;
        result = () => {
          const t = pool.numbered(d, d.logNormal(90, 1.3, 10, 60_000));
          return {
            content: q(t.numbered),
            toolUseResult: `{"type":"text","file":{"filePath":${q(file)},"content":${q(t.raw)},"numLines":${t.lines},"startLine":1,"totalLines":${t.lines}}}`,
            chars: t.numbered.length,
            isError: false,
          };
        };
        break;
      }
      case 'Edit': {
        const oldS = pool.take(d, d.logNormal(70, 0.9, 5, 3_000));
        const newS = pool.take(d, d.logNormal(90, 0.9, 5, 4_000));
        input = `{"file_path":${q(file)},"old_string":${q(oldS)},"new_string":${q(newS)},"replace_all":false}`;
        result = () => {
          // Edit results carry the whole original file (notes §11): the big lines of a real transcript.
          const original = pool.take(d, d.logNormal(300, 1.1, 50, 80_000));
          const patch = `[{"oldStart":${d.int(1, 400)},"oldLines":${d.int(1, 30)},"newStart":${d.int(1, 400)},"newLines":${d.int(1, 30)},"lines":${JSON.stringify(newS.split('\n').map((l) => `+${l}`))}}]`;
          const msg = `The file ${file} has been updated successfully.`;
          return {
            content: q(msg),
            toolUseResult: `{"filePath":${q(file)},"oldString":${q(oldS)},"newString":${q(newS)},"originalFile":${q(original)},"structuredPatch":${patch},"userModified":false,"replaceAll":false}`,
            chars: msg.length + newS.length,
            isError: false,
          };
        };
        break;
      }
      case 'Write': {
        const content = pool.take(d, d.logNormal(250, 1.0, 20, 40_000));
        input = `{"file_path":${q(file)},"content":${q(content)}}`;
        result = () => {
          const msg = `File created successfully at: ${file}`;
          return { content: q(msg), toolUseResult: `{"type":"create","filePath":${q(file)},"content":${q(content)},"structuredPatch":[],"originalFile":null}`, chars: msg.length, isError: false };
        };
        break;
      }
      case 'Grep':
      case 'Glob': {
        const pattern = d.pick(WORDS).replace(/[^A-Za-z]/g, '') || 'usage';
        input = tool === 'Grep' ? `{"pattern":${q(pattern)},"path":${q(this.project.cwd)},"output_mode":"files_with_matches"}` : `{"pattern":"**/*${pattern}*.ts"}`;
        result = () => {
          const n = d.logNormal(4, 1.1, 0, 200);
          const names: string[] = [];
          for (let i = 0; i < n; i++) names.push(`${this.project.cwd}/${d.pick(this.project.files)}`);
          const text = n === 0 ? 'No files found' : `Found ${n} files\n${names.join('\n')}`;
          const tur = tool === 'Grep'
            ? `{"mode":"files_with_matches","filenames":${JSON.stringify(names)},"numFiles":${n}}`
            : `{"filenames":${JSON.stringify(names)},"durationMs":${d.int(3, 300)},"numFiles":${n},"truncated":false}`;
          return { content: q(text), toolUseResult: tur, chars: text.length, isError: false };
        };
        break;
      }
      case 'TodoWrite': {
        const todos = Array.from({ length: d.int(2, 5) }, () => ({ content: pool.take(d, d.int(15, 60)), status: d.pick(['pending', 'in_progress', 'completed']), activeForm: pool.take(d, d.int(15, 60)) }));
        const todosJson = JSON.stringify(todos);
        input = `{"todos":${todosJson}}`;
        result = () => {
          const msg = 'Todos have been modified successfully. Ensure that you continue to use the todo list to track your progress. Please proceed with the current tasks if applicable';
          return { content: q(msg), toolUseResult: `{"oldTodos":[],"newTodos":${todosJson}}`, chars: msg.length, isError: false };
        };
        break;
      }
      default: {
        // Bash
        const command = `${d.pick(['npm run', 'git', 'ls -la', 'node', 'grep -rn', 'cat', 'npx tsc'])} ${d.pick(WORDS).replace(/[^A-Za-z]/g, '')}`;
        input = `{"command":${q(command)},"description":${q(pool.take(d, d.int(10, 50)))}}`;
        result = () => {
          const failed = d.chance(0.08);
          const out = pool.take(d, d.logNormal(30, 1.5, 0, 30_000));
          if (failed) {
            const msg = `Exit code 1\n${out}`;
            return { content: q(msg), toolUseResult: q(`Error: ${msg}`), chars: msg.length, isError: true };
          }
          return {
            content: q(out),
            toolUseResult: `{"stdout":${q(out)},"stderr":"","interrupted":false,"isImage":false,"noOutputExpected":false}`,
            chars: out.length,
            isError: false,
          };
        };
      }
    }
    return { kind: 'tool_use', json: `{"type":"tool_use","id":"${id}","name":"${tool}","input":${input}}`, tool: { id, name: tool, result } };
  }

  /** An Agent call whose result line carries the subagent's last usage in toolUseResult: the trap of §7. */
  agentCall(sub: { agentId: string; agentType: string; description: string; prompt: string; model: string }, outcome: (toolUseId: string) => SubagentOutcome): Block {
    const id = `toolu_01${this.dice.base62(22)}`;
    const modelField = sub.model === MODELS.haiku ? `,"model":"haiku"` : '';
    const input = `{"description":${q(sub.description)},"prompt":${q(sub.prompt)},"subagent_type":"${sub.agentType}"${modelField}}`;
    const result = (): ReturnType<ToolCall['result']> => {
      const o = outcome(id);
      const summary = this.pool.take(this.dice, this.dice.logNormal(600, 0.8, 40, 6_000));
      const total = o.last ? o.last.input + o.last.cacheRead + o.last.cacheWrite5m + o.last.cacheWrite1h + o.last.output : 0;
      const trailer = `agentId: ${sub.agentId} (use SendMessage with to: '${sub.agentId}', summary: '<5-10 word recap>' to continue this agent)\n<usage>subagent_tokens: ${total}\ntool_uses: ${o.toolUses}\nduration_ms: ${o.durationMs}</usage>`;
      const content = `[{"type":"text","text":${q(summary)}},{"type":"text","text":${q(trailer)}}]`;
      const usage = o.last ? usageJson({ ...o.last, snapshot: false }) : usageJson({ input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, snapshot: false });
      const tur =
        `{"status":"completed","prompt":${q(sub.prompt)},"agentId":"${sub.agentId}","agentType":"${sub.agentType}","content":[{"type":"text","text":${q(summary)}}],` +
        `"resolvedModel":"${sub.model}","totalDurationMs":${o.durationMs},"totalTokens":${total},"totalToolUseCount":${o.toolUses},"usage":${usage},` +
        `"toolStats":{"readCount":${this.dice.int(0, 9)},"searchCount":${this.dice.int(0, 5)},"bashCount":${this.dice.int(0, 5)},"editFileCount":0,"linesAdded":0,"linesRemoved":0,"otherToolCount":0}}`;
      return { content, toolUseResult: tur, chars: summary.length + trailer.length, isError: false };
    };
    return { kind: 'tool_use', json: `{"type":"tool_use","id":"${id}","name":"Agent","input":${input}}`, tool: { id, name: 'Agent', result } };
  }
}

interface SubagentOutcome {
  last: UsageNumbers | null;
  toolUses: number;
  durationMs: number;
}

const TOOL_MIX = ['Read', 'Read', 'Read', 'Read', 'Bash', 'Bash', 'Bash', 'Bash', 'Edit', 'Edit', 'Grep', 'Grep', 'Glob', 'Write', 'TodoWrite'];
const AGENT_TYPES = ['claude', 'Explore', 'general-purpose', 'Plan', 'statusline-setup'];
const SKILLS = ['deep-research', 'update-config', 'keybindings-help', 'verify', 'code-review', 'simplify', 'fewer-permission-prompts', 'init', 'security-review'];
const SLUG_A = ['starry', 'quiet', 'brisk', 'mellow', 'lucky', 'amber', 'silent', 'gentle'];
const SLUG_B = ['orbiting', 'dancing', 'sleeping', 'wandering', 'humming', 'glowing'];
const SLUG_C = ['newt', 'otter', 'heron', 'lynx', 'finch', 'badger', 'koala'];
const PROJECT_NAMES = ['agent-meter', 'web_app', 'api-server', 'infra', 'data.pipeline', 'mobile-app', 'docs_site', 'cli-tools', 'ml_experiments', 'billing', 'auth-service', 'design.system', 'monorepo', 'scratch', 'dotfiles'];
const SOURCE_DIRS = ['src', 'src/core', 'src/node', 'src/cli', 'lib', 'test', 'app/routes', 'packages/ui/src'];
const SOURCE_NAMES = ['index', 'ledger', 'report', 'pricing', 'parser', 'reader', 'server', 'client', 'config', 'utils', 'session', 'model', 'store', 'handler'];

/** Claude Code's folder name for a cwd: every character outside [A-Za-z0-9] becomes '-' (notes §1). */
export function encodeCwd(cwd: string): string {
  return cwd.replace(/[^A-Za-z0-9]/g, '-');
}

function makeProjects(dice: Dice, count: number): Project[] {
  const user = dice.pick(['dev', 'alex', 'sam', 'jordan']);
  const projects: Project[] = [];
  for (let i = 0; i < count; i++) {
    const base = PROJECT_NAMES[i % PROJECT_NAMES.length]!;
    const name = i < PROJECT_NAMES.length ? base : `${base}-${Math.floor(i / PROJECT_NAMES.length) + 1}`;
    const cwd = dice.chance(0.15) ? `/home/${user}/work/${name}/packages/core` : `/home/${user}/work/${name}`;
    const files = Array.from({ length: dice.int(15, 60) }, () => `${dice.pick(SOURCE_DIRS)}/${dice.pick(SOURCE_NAMES)}${dice.chance(0.3) ? '.test' : ''}.ts`);
    projects.push({ cwd, branch: dice.pick(['main', 'main', 'develop', `feature/${dice.pick(SOURCE_NAMES)}`, `fix/${dice.pick(SOURCE_NAMES)}`]), files });
  }
  return projects;
}

// ---------------------------------------------------------------------------------------------------------------
// Sessions.

interface SubagentPlan {
  agentId: string;
  agentType: string;
  model: string;
  budget: number;
  snapshot: boolean;
}

interface SessionPlan {
  sessionId: string;
  project: Project;
  model: string;
  budget: number;
  interactive: boolean;
  cacheMode: CacheMode;
  subagents: SubagentPlan[];
  forks: number;
  startMs: number;
  dice: Dice;
}

interface GenContext {
  pool: TextPool;
  expected: Expected;
  projectsDir: string;
  startMs: number;
  endMs: number;
  counts: { lines: number; bytes: number; jsonlFiles: number; metaFiles: number; subagentFiles: number; forkFiles: number; synthetic: number; compactions: number };
}

function promptText(dice: Dice, pool: TextPool): string {
  const len = dice.chance(0.03) ? dice.int(2_000, 20_000) : dice.logNormal(100, 1.0, 8, 2_000);
  return pool.take(dice, len).replace(/^\s+/, '') || 'Continue.';
}

/** Blocks of one response: optional thinking and text, then tool calls unless it is the last response of a prompt. */
function responseBlocks(w: TranscriptWriter, last: boolean, model: string): Block[] {
  const d = w.dice;
  const blocks: Block[] = [];
  if (model !== MODELS.haiku && d.chance(0.35)) blocks.push(w.thinking());
  if (last || d.chance(0.45)) blocks.push(w.text());
  if (!last) {
    const n = d.chance(0.72) ? 1 : d.chance(0.7) ? 2 : 3;
    for (let i = 0; i < n; i++) blocks.push(w.toolUse());
  }
  return blocks;
}

/** One prompt and the requests it triggers, spawning any subagents due, until the model ends its turn. */
function promptTurn(
  w: TranscriptWriter,
  ctx: GenContext,
  model: string,
  opts: { promptId: string; requests: number; spawn: SubagentPlan[]; plan: SessionPlan | null; errorAtEnd: boolean },
): void {
  const d = w.dice;
  let spawned = false;
  for (let r = 0; r < opts.requests; r++) {
    const last = r === opts.requests - 1;
    if (!spawned && opts.spawn.length && (r >= 1 || opts.requests === 1) && !last) {
      spawned = true;
      const blocks: Block[] = [];
      if (d.chance(0.6)) blocks.push(w.text());
      for (const sub of opts.spawn) {
        const started = { at: 0 };
        let outcome: SubagentOutcome | null = null;
        const description = w.pool.take(d, d.int(12, 40)).trim() || 'Explore the code';
        const prompt = w.pool.take(d, d.logNormal(400, 0.7, 40, 4_000)).trim() || 'Find where usage is parsed.';
        blocks.push(
          w.agentCall({ ...sub, description, prompt }, (toolUseId) => {
            if (!outcome) {
              started.at = w.clock;
              outcome = writeSubagent(ctx, opts.plan!, sub, w, description, prompt, toolUseId);
              w.clock = Math.max(w.clock, started.at + outcome.durationMs);
            }
            return outcome;
          }),
        );
      }
      w.response(model, blocks, opts.promptId);
      continue;
    }
    if (opts.errorAtEnd && last) {
      w.advance(d.int(20_000, 90_000));
      w.apiError();
      ctx.counts.synthetic++;
      return;
    }
    w.response(model, responseBlocks(w, last, model), opts.promptId, { maxTokens: last && d.chance(0.003) });
  }
  if (opts.spawn.length && !spawned) {
    // A one-request prompt: spawn in an extra response so every planned subagent file exists.
    const blocks = opts.spawn.map((sub) => {
      let outcome: SubagentOutcome | null = null;
      return w.agentCall({ ...sub, description: 'Investigate', prompt: 'Investigate the failing test and report back.' }, (toolUseId) => {
        outcome ??= writeSubagent(ctx, opts.plan!, sub, w, 'Investigate', 'Investigate the failing test and report back.', toolUseId);
        return outcome;
      });
    });
    w.response(model, blocks, opts.promptId);
    w.response(model, [w.text()], opts.promptId);
  }
}

/** A subagent transcript: sidechain lines with the parent's sessionId, its own agentId, its own model (§7). */
function writeSubagent(
  ctx: GenContext,
  plan: SessionPlan,
  sub: SubagentPlan,
  parent: TranscriptWriter,
  description: string,
  prompt: string,
  toolUseId: string,
): SubagentOutcome {
  const dir = path.join(ctx.projectsDir, encodeCwd(plan.project.cwd), plan.sessionId, 'subagents');
  const file = new TranscriptFile(path.join(dir, `agent-${sub.agentId}.jsonl`));
  const dice = parent.dice.fork();
  const id: Identity = { ...parent.id, agentId: sub.agentId, agentType: sub.agentType };
  const w = new TranscriptWriter(file, id, dice, ctx.pool, ctx.expected, 'm5', parent.clock + dice.int(5, 60), plan.project, sub.snapshot);
  const start = w.clock;
  const promptId = dice.uuid();
  w.userPrompt(prompt, promptId, { first: true });
  w.attachment('skill_listing');
  let requests = 0;
  while (file.chars < sub.budget || requests === 0) {
    w.response(sub.model, responseBlocks(w, false, sub.model), promptId);
    requests++;
    if (requests > 400) break;
  }
  w.response(sub.model, responseBlocks(w, true, sub.model), promptId);
  file.close();
  fs.writeFileSync(
    path.join(dir, `agent-${sub.agentId}.meta.json`),
    JSON.stringify({ agentType: sub.agentType, description, toolUseId, spawnDepth: 1 }),
  );
  ctx.counts.lines += file.lines;
  ctx.counts.bytes += file.bytes;
  ctx.counts.jsonlFiles++;
  ctx.counts.subagentFiles++;
  ctx.counts.metaFiles++;
  return { last: w.lastUsage, toolUses: w.toolUses, durationMs: w.clock - start };
}

/** A main session file: runs (CLI processes) of prompts until its byte budget is reached. Returns its lines. */
function writeSession(ctx: GenContext, plan: SessionPlan): { lines: string[]; endMs: number; lastUuid: string | null } {
  const dice = plan.dice;
  const file = path.join(ctx.projectsDir, encodeCwd(plan.project.cwd), `${plan.sessionId}.jsonl`);
  const lines: string[] = [];
  let chars = 0;
  const sink = { push: (l: string) => { lines.push(l); chars += l.length + 1; } };
  // Older CLI versions early in the period, the current one at the end.
  const progress = (plan.startMs - ctx.startMs) / (ctx.endMs - ctx.startMs);
  const version = CLI_VERSIONS[Math.min(CLI_VERSIONS.length - 1, Math.floor(progress * CLI_VERSIONS.length))] ?? '2.1.197';
  const id: Identity = { sessionId: plan.sessionId, cwd: plan.project.cwd, gitBranch: plan.project.branch, version, entrypoint: plan.interactive ? 'cli' : 'sdk-cli' };
  const w = new TranscriptWriter(sink, id, dice, ctx.pool, ctx.expected, plan.cacheMode, plan.startMs, plan.project);
  let model = plan.model;
  const pendingSubs = [...plan.subagents];
  let run = 0;
  let titled = false;
  const stopAt = ctx.endMs - 60_000;
  while (chars < plan.budget || pendingSubs.length) {
    if (run > 0) {
      // A later CLI process on the same file (--resume / --continue): after a pause, sometimes with another model.
      w.advance(plan.interactive ? dice.logNormal(40 * 60_000, 1.2, 60_000, 10 * 3_600_000) : dice.logNormal(15 * 60_000, 1.3, 20_000, 8 * 3_600_000));
      if (dice.chance(0.3)) w.modeLine();
      if (dice.chance(0.04)) model = dice.pick([MODELS.sonnet, MODELS.opus, MODELS.haiku]);
    }
    if (w.clock > stopAt && !pendingSubs.length) break;
    const prompts = plan.interactive ? dice.int(2, 12) : 1;
    if (plan.interactive) w.permissionMode();
    let lastPromptText = '';
    for (let p = 0; p < prompts; p++) {
      if (p > 0) w.advance(dice.logNormal(90_000, 1.2, 5_000, 30 * 60_000));
      const text = promptText(dice, ctx.pool);
      lastPromptText = text;
      const promptId = dice.uuid();
      if (plan.interactive) w.fileHistorySnapshot();
      else w.queueOperation(text);
      w.advance(dice.int(20, 200));
      w.userPrompt(text, promptId, { first: run === 0 && p === 0 });
      if (p === 0) {
        w.attachment('agent_listing_delta');
        w.attachment('skill_listing');
      }
      // Spawn the next subagent once the session has used its share of the budget.
      const spawn: SubagentPlan[] = [];
      const share = (plan.subagents.length - pendingSubs.length + 1) / (plan.subagents.length + 1);
      if (pendingSubs.length && (chars >= plan.budget * share || chars >= plan.budget)) {
        spawn.push(pendingSubs.shift()!);
        while (pendingSubs.length && (chars >= plan.budget || dice.chance(0.25))) spawn.push(pendingSubs.shift()!);
      }
      const turnStart = w.clock;
      const linesBefore = lines.length;
      const requests = Math.min(60, 1 + Math.floor(-Math.log(1 - dice.float()) * 6));
      const errorAtEnd = !spawn.length && dice.chance(0.004);
      promptTurn(w, ctx, model, { promptId, requests, spawn, plan, errorAtEnd });
      if (plan.interactive) {
        w.advance(dice.int(5, 200));
        w.turnDuration(w.clock - turnStart, lines.length - linesBefore);
        if (!titled) {
          titled = true;
          w.aiTitle(ctx.pool.take(dice, dice.int(15, 50)).trim() || 'Fix the report totals');
        }
      }
      if (chars >= plan.budget && !pendingSubs.length) break;
      if (w.clock > stopAt && !pendingSubs.length) break;
    }
    w.lastPrompt(lastPromptText);
    run++;
  }
  if (plan.forks > 0) w.modeLine(); // the --fork-session run touches the parent file too (d-resume-fork fixture)
  ctx.counts.compactions += w.compactions;
  writeWhole(file, lines);
  ctx.counts.lines += lines.length;
  ctx.counts.jsonlFiles++;
  return { lines, endMs: w.clock, lastUuid: w.lastUuid };
}

/**
 * `--resume <id> --fork-session`: a new file that copies the parent's history (same uuid, timestamps, message ids,
 * usage; only sessionId rewritten) between its own queue operation and its new prompt (§6).
 */
function writeFork(ctx: GenContext, plan: SessionPlan, parent: { lines: string[]; endMs: number; lastUuid: string | null }, dice: Dice): void {
  const forkId = dice.uuid();
  const file = path.join(ctx.projectsDir, encodeCwd(plan.project.cwd), `${forkId}.jsonl`);
  const lines: string[] = [];
  const sink = { push: (l: string) => lines.push(l) };
  const id: Identity = { sessionId: forkId, cwd: plan.project.cwd, gitBranch: plan.project.branch, version: '2.1.197', entrypoint: 'sdk-cli' };
  const start = Math.min(parent.endMs + dice.int(60_000, 3 * 3_600_000), ctx.endMs - 30 * 60_000);
  const w = new TranscriptWriter(sink, id, dice, ctx.pool, ctx.expected, plan.cacheMode, Math.max(start, parent.endMs + 1_000), plan.project);
  const text = promptText(dice, ctx.pool);
  w.modeLine();
  w.queueOperation(text);
  const from = `"sessionId":"${plan.sessionId}"`;
  const to = `"sessionId":"${forkId}"`;
  for (const l of parent.lines) {
    if (l.startsWith('{"type":"queue-operation"') || l.startsWith('{"type":"last-prompt"') || l.startsWith('{"type":"mode"')) continue;
    lines.push(l.split(from).join(to));
  }
  w.lastUuid = parent.lastUuid;
  const promptId = dice.uuid();
  w.userPrompt(text, promptId);
  promptTurn(w, ctx, plan.model, { promptId, requests: dice.int(1, 6), spawn: [], plan: null, errorAtEnd: false });
  w.lastPrompt(text);
  writeWhole(file, lines);
  ctx.counts.lines += lines.length;
  ctx.counts.jsonlFiles++;
  ctx.counts.forkFiles++;
}

function writeWhole(file: string, lines: string[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  // Large buffered writes: one write per ~8 MB slice.
  let batch: string[] = [];
  let size = 0;
  const flush = (): void => {
    if (!batch.length) return;
    fs.writeSync(fd, Buffer.from(batch.join(''), 'utf8'));
    batch = [];
    size = 0;
  };
  for (const l of lines) {
    batch.push(l, '\n');
    size += l.length + 1;
    if (size > 8 << 20) flush();
  }
  flush();
  fs.closeSync(fd);
}

// ---------------------------------------------------------------------------------------------------------------
// The corpus.

export interface CorpusOptions {
  seed: number;
  mb: number;
  files: number;
  /** Writes `<out>/projects/...` and `<out>/manifest.json`. */
  out: string;
  days?: number;
  /** Last day with activity, YYYY-MM-DD (UTC); default yesterday. Part of what makes a corpus reproducible. */
  endDate?: string;
}

export interface CorpusManifest {
  format: number;
  seed: number;
  mb: number;
  files: number;
  days: number;
  firstDay: string;
  lastDay: string;
  bytes: number;
  lines: number;
  jsonlFiles: number;
  metaFiles: number;
  sessions: number;
  subagentFiles: number;
  forkFiles: number;
  syntheticLines: number;
  compactions: number;
  expected: ExpectedTotals;
  generatedInMs: number;
}

export function yesterdayUtc(now = Date.now()): string {
  return new Date(Math.floor(now / DAY_MS) * DAY_MS - DAY_MS).toISOString().slice(0, 10);
}

export function generateCorpus(opts: CorpusOptions): CorpusManifest {
  const t0 = performance.now();
  const days = opts.days ?? 60;
  const lastDay = opts.endDate ?? yesterdayUtc();
  const endMs = Date.parse(`${lastDay}T00:00:00.000Z`) + DAY_MS;
  if (Number.isNaN(endMs)) throw new Error(`bad end date ${lastDay}`);
  const startMs = endMs - days * DAY_MS;
  const master = new Dice(opts.seed);
  const projectsDir = path.join(opts.out, 'projects');
  fs.mkdirSync(projectsDir, { recursive: true });
  const ctx: GenContext = {
    pool: new TextPool(master.fork()),
    expected: new Expected(),
    projectsDir,
    startMs,
    endMs,
    counts: { lines: 0, bytes: 0, jsonlFiles: 0, metaFiles: 0, subagentFiles: 0, forkFiles: 0, synthetic: 0, compactions: 0 },
  };

  // File mix: ~16% subagent transcripts, ~1% forks, the rest main sessions.
  const forkCount = opts.files >= 20 ? Math.max(1, Math.round(opts.files * 0.01)) : 0;
  const subCount = opts.files >= 4 ? Math.round(opts.files * 0.16) : 0;
  const mainCount = Math.max(1, opts.files - forkCount - subCount);
  const projects = makeProjects(master, Math.min(40, Math.max(3, Math.round(mainCount / 35))));

  const plans: SessionPlan[] = [];
  const weights: number[] = [];
  for (let i = 0; i < mainCount; i++) {
    const r = master.float();
    const model = r < 0.68 ? MODELS.sonnet : r < 0.9 ? MODELS.opus : MODELS.haiku;
    const c = master.float();
    plans.push({
      sessionId: master.uuid(),
      project: master.pick(projects),
      model,
      budget: 0,
      interactive: master.chance(0.6),
      cacheMode: c < 0.65 ? 'm5' : c < 0.9 ? 'h1' : 'mixed',
      subagents: [],
      forks: 0,
      startMs: 0,
      dice: master.fork(),
    });
    weights.push(Math.exp(1.1 * master.normal()));
  }
  const subWeights: number[] = [];
  for (let i = 0; i < subCount; i++) {
    const parent = plans[master.int(0, plans.length - 1)]!;
    const sub: SubagentPlan = {
      agentId: master.hex(17),
      agentType: master.pick(['general-purpose', 'general-purpose', 'Explore', 'Plan']),
      model: master.chance(0.5) ? MODELS.haiku : parent.model,
      budget: 0,
      snapshot: master.chance(0.5),
    };
    parent.subagents.push(sub);
    subWeights.push(0.3 * Math.exp(0.8 * master.normal()));
  }
  for (let i = 0; i < forkCount; i++) plans[master.int(0, plans.length - 1)]!.forks++;

  // Byte budgets: heavy-tailed, summing to the target (a fork copies its parent, so parents weigh double).
  // Sessions finish the prompt that crosses their budget: aim a little low so the total lands near --mb.
  const target = opts.mb * MB * 0.94;
  let total = 0;
  plans.forEach((p, i) => (total += weights[i]! * (1 + p.forks)));
  subWeights.forEach((w) => (total += w));
  let subIndex = 0;
  plans.forEach((p, i) => {
    p.budget = Math.max(3_000, Math.round((target * weights[i]!) / total));
    for (const s of p.subagents) s.budget = Math.max(2_000, Math.round((target * (subWeights[subIndex++] ?? 0.3)) / total));
    // Start so the session (≈ 1 request per 4 KB, ≈ 40 s each, plus pauses) ends before the end date.
    const estSpan = (p.budget / 4_000) * 40_000 + 3 * 3_600_000;
    const latest = Math.max(startMs, endMs - estSpan);
    p.startMs = startMs + Math.floor(master.float() * (latest - startMs));
    // Most work happens in the daytime (UTC here; what matters is a spread over ~60 days).
    const day = Math.floor(p.startMs / DAY_MS) * DAY_MS;
    const hour = Math.min(23, Math.max(0, Math.round(master.normal() * 3.5 + 14)));
    p.startMs = Math.min(latest, Math.max(startMs, day + hour * 3_600_000 + master.int(0, 3_599_999)));
  });

  for (const p of plans) {
    const written = writeSession(ctx, p);
    for (let f = 0; f < p.forks; f++) writeFork(ctx, p, written, master.fork());
  }

  ctx.counts.bytes = dirBytes(projectsDir, '.jsonl');
  const manifest: CorpusManifest = {
    format: CORPUS_FORMAT,
    seed: opts.seed,
    mb: opts.mb,
    files: opts.files,
    days,
    firstDay: new Date(startMs).toISOString().slice(0, 10),
    lastDay,
    bytes: ctx.counts.bytes,
    lines: ctx.counts.lines,
    jsonlFiles: ctx.counts.jsonlFiles,
    metaFiles: ctx.counts.metaFiles,
    sessions: mainCount + ctx.counts.forkFiles,
    subagentFiles: ctx.counts.subagentFiles,
    forkFiles: ctx.counts.forkFiles,
    syntheticLines: ctx.counts.synthetic,
    compactions: ctx.counts.compactions,
    expected: ctx.expected.summary(),
    generatedInMs: Math.round(performance.now() - t0),
  };
  fs.writeFileSync(path.join(opts.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Total size of the files under `dir` whose names end with `suffix`. */
export function dirBytes(dir: string, suffix: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith(suffix)) n += fs.statSync(path.join(e.parentPath, e.name)).size;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Appending to a live session (the append benchmarks).

export interface AppendOptions {
  seed: number;
  /** Rough size of the turn in bytes: ~1 MB for the warm-restart benchmark, a few KB for a single request. */
  bytes?: number;
  /** Number of write() calls the turn is split into (at arbitrary byte offsets, like a streaming writer). */
  writes?: number;
  /** Timestamp of the first new line (default now). */
  nowMs?: number;
}

export interface AppendResult {
  bytes: number;
  lines: number;
  requests: number;
  tokens: TokenTotals;
}

/** What the end of a transcript says about who is writing it. */
function readIdentity(file: string): { id: Identity; lastUuid: string | null; model: string; cwd: string } {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 4 << 20);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n').reverse();
    let id: Identity | null = null;
    let lastUuid: string | null = null;
    let model: string | null = null;
    for (const l of lines) {
      if (!l.startsWith('{')) continue;
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(l) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (!lastUuid && typeof o['uuid'] === 'string') lastUuid = o['uuid'];
      const msg = o['message'] as { model?: unknown } | undefined;
      if (!model && o['type'] === 'assistant' && typeof msg?.model === 'string' && msg.model !== '<synthetic>') model = msg.model;
      if (!id && typeof o['cwd'] === 'string' && typeof o['sessionId'] === 'string') {
        id = {
          sessionId: o['sessionId'],
          cwd: o['cwd'],
          gitBranch: typeof o['gitBranch'] === 'string' ? o['gitBranch'] : 'main',
          version: typeof o['version'] === 'string' ? o['version'] : '2.1.197',
          entrypoint: o['entrypoint'] === 'cli' ? 'cli' : 'sdk-cli',
          ...(typeof o['agentId'] === 'string' ? { agentId: o['agentId'], agentType: 'general-purpose' } : {}),
        };
      }
      if (id && lastUuid && model) break;
    }
    if (!id) throw new Error(`${file}: no line with cwd and sessionId in its last 4 MB`);
    return { id, lastUuid, model: model ?? MODELS.sonnet, cwd: id.cwd };
  } finally {
    fs.closeSync(fd);
  }
}

/** Renders one more realistic turn for an existing transcript (prompt, responses with tool calls, results). */
export function renderTurn(file: string, opts: AppendOptions): { text: string; result: AppendResult } {
  const target = opts.bytes ?? 1 << 20;
  const dice = new Dice(opts.seed);
  const { id, lastUuid, model, cwd } = readIdentity(file);
  const lines: string[] = [];
  let chars = 0;
  const sink = { push: (l: string) => { lines.push(l); chars += l.length + 1; } };
  const project: Project = { cwd, branch: id.gitBranch, files: ['src/index.ts', 'src/core/ledger.ts', 'test/node/report.test.ts', 'README.md'] };
  const w = new TranscriptWriter(sink, id, dice, new TextPool(dice.fork(), 1 << 16), null, 'm5', opts.nowMs ?? Date.now(), project);
  w.lastUuid = lastUuid;
  w.timeScale = 0.0005;
  const promptId = dice.uuid();
  const prompt = promptText(dice, new TextPool(dice, 4_096)).slice(0, 300);
  if (!id.agentId) {
    if (id.entrypoint === 'cli') w.fileHistorySnapshot();
    else w.queueOperation(prompt);
  }
  w.userPrompt(prompt, promptId);
  if (target <= 8_000) {
    w.response(model, [w.text()], promptId);
  } else {
    while (chars < target) w.response(model, responseBlocks(w, false, model), promptId);
    w.response(model, [w.text()], promptId);
  }
  if (!id.agentId) w.lastPrompt(prompt);
  const text = `${lines.join('\n')}\n`;
  return { text, result: { bytes: Buffer.byteLength(text), lines: lines.length, requests: w.stats.requests, tokens: w.stats.tokens } };
}

/** Appends one turn to `file` in `opts.writes` write() calls (default 1). Synchronous, so a timer can bracket it. */
export function appendTurn(file: string, opts: AppendOptions): AppendResult {
  const { text, result } = renderTurn(file, opts);
  const buf = Buffer.from(text, 'utf8');
  const writes = Math.max(1, opts.writes ?? 1);
  const fd = fs.openSync(file, 'a');
  try {
    for (let i = 0; i < writes; i++) {
      const from = Math.floor((buf.length * i) / writes);
      const to = Math.floor((buf.length * (i + 1)) / writes);
      fs.writeSync(fd, buf, from, to - from);
    }
  } finally {
    fs.closeSync(fd);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Command line.

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string', default: '1' },
      mb: { type: 'string', default: '500' },
      files: { type: 'string', default: '1500' },
      days: { type: 'string', default: '60' },
      end: { type: 'string' },
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.out) {
    process.stderr.write('usage: corpus.ts --out DIR [--seed N] [--mb N] [--files N] [--days N] [--end YYYY-MM-DD] [--force]\n');
    process.exitCode = 2;
    return;
  }
  const projects = path.join(values.out, 'projects');
  if (fs.existsSync(projects)) {
    if (!values.force) {
      process.stderr.write(`${projects} exists; pass --force to replace it\n`);
      process.exitCode = 2;
      return;
    }
    fs.rmSync(projects, { recursive: true, force: true });
  }
  const manifest = generateCorpus({
    seed: Number(values.seed),
    mb: Number(values.mb),
    files: Number(values.files),
    days: Number(values.days),
    out: values.out,
    ...(values.end ? { endDate: values.end } : {}),
  });
  const { expected, ...rest } = manifest;
  process.stdout.write(`${JSON.stringify({ ...rest, expected: { requests: expected.requests, tokens: expected.tokens, costUsd: expected.costUsd } }, null, 2)}\n`);
}

if (require.main === module) main(process.argv.slice(2));
