// Reads agent log files into the ledger, incrementally: each file has a checkpoint (device + inode, size, the byte
// offset after the last complete line, the parser's state there), so a read starts where the last one stopped and
// reads only new bytes. A file that shrank or changed inode is re-read from 0 and its contribution replaced. A
// half-written last line is left for the next read (the stateless scan counts it as `incomplete-line`).
// Lines are split on raw bytes; only lines that look like JSON objects and contain one of the parser's needles are
// decoded and parsed (the prefilter: most bytes in a transcript are prompts and tool output that carry no usage).
import { isUtf8 } from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createClaudeFileParser, type ClaudeParserState } from '../core/sources/claudeCode';
import { createCodexFileParser, type CodexParserState } from '../core/sources/codex';
import { SHORT_LINE_BYTES, type FileParser } from '../core/sources/jsonl';
import type { LedgerSink } from '../core/ledger';
import type { AgentKind, SessionEvent } from '../core/usageRecord';
import { errorCode, listLogFiles, type LogFile } from './logFiles';
import type { SourceRoot } from './sourcePaths';
import { heapCheckpoint } from './youngGeneration';

const CHUNK_BYTES = 1 << 20;
/** Longer lines are skipped (counted) without being buffered: memory stays bounded on a runaway line. */
export const MAX_LINE_BYTES = 64 << 20;

/** Reads yield to the event loop after this many chunks (16 MiB). */
const YIELD_EVERY_CHUNKS = 16;

let chunkBuffer: Buffer | undefined;
/** One read buffer per thread: reads never overlap within a thread (the yield point is between chunks, and a
 * chunk is fully handled before it). */
function sharedChunk(): Buffer {
  return (chunkBuffer ??= Buffer.allocUnsafe(CHUNK_BYTES));
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
/** Below this, cutting a line's unread value costs more than parsing it. */
const ELIDE_MIN_BYTES = 1024;
const NEWLINE = 0x0a;

/** Where reading a file stopped, and what is needed to go on from there. */
export interface FileCheckpoint {
  path: string;
  agent: AgentKind;
  dev: number;
  ino: number;
  /** File size when last read. */
  size: number;
  mtimeMs: number;
  /** Bytes consumed: everything before this offset has been counted. */
  offset: number;
  /** Parser state at `offset`. */
  parser: object;
  /** Inside a line longer than MAX_LINE_BYTES that is being skipped. */
  skippingLongLine?: boolean;
  /** The file is gone; its records stay in the ledger (history outlives the agents' 30-day purge). */
  deleted?: boolean;
}

/** The parser for a file: session ids come from file names until the lines say otherwise. */
export function parserFor(file: LogFile, state?: object): FileParser {
  const base = path.basename(file.path, '.jsonl');
  if (file.agent === 'codex') {
    const m = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(base);
    return createCodexFileParser(m?.[1] ?? base, state as CodexParserState | undefined);
  }
  // `<session>/subagents/agent-<id>.jsonl` belongs to `<session>`.
  const dir = path.dirname(file.path);
  const session = path.basename(dir) === 'subagents' ? path.basename(path.dirname(dir)) : base;
  return createClaudeFileParser(session, state as ClaudeParserState | undefined);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** End of the string value whose body starts at `from`, or -1 when it holds an escape (then: no shortcut). */
function plainStringEnd(line: Buffer, from: number): number {
  const q = line.indexOf(QUOTE, from);
  return q === -1 || line[q - 1] === BACKSLASH ? -1 : q;
}

/**
 * Where `open` (ending in `[`) first occurs in bytes [from, to), found by its last byte: a JS loop over the ~100
 * bytes between a response's id and its content is cheaper than a native search (~1 µs of call overhead).
 */
function openAfter(line: Buffer, from: number, to: number, open: Buffer): number {
  const last = open[open.length - 1]!;
  for (let i = from + open.length - 1; i < to; i++) {
    if (line[i] !== last) continue;
    const at = i - open.length + 1;
    if (startsWith(line, at, to, open)) return at;
  }
  return -1;
}

/** Bytes [start, end) of buf begin with `prefix` (a JS loop: cheaper than a native call for a few bytes). */
function startsWith(buf: Buffer, start: number, end: number, prefix: Buffer): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}

/** A needle searched once per chunk: `at` is its next occurrence at or after the current line, or -1. */
interface ChunkNeedle {
  bytes: Buffer;
  at: number;
  /** Only short lines are checked for it. */
  shortOnly: boolean;
}

/** How a line ended up, for the caller's bookkeeping. */
const enum LineOutcome {
  Counted,
  /** The last, unterminated line is not a whole JSON object yet: leave it for the next read. */
  Unfinished,
}

/**
 * One read of one file: the parser, the prefilter and the per-read counters. The prefilter runs on raw bytes: each
 * needle is searched once per chunk (its next occurrence is remembered), so a line that cannot carry usage costs
 * a few comparisons, not a search.
 */
class FileScan {
  private readonly needles: ChunkNeedle[];
  private readonly prefixes: Buffer[];
  private readonly shape?: {
    id: Buffer;
    open: Buffer;
    close: Buffer;
    usage: Buffer;
    requestId: Buffer;
    depth: number;
    lineStart: Buffer;
    toolUse?: Buffer;
    /** What follows `close` in a line of a response that called a tool. */
    toolUseStop?: Buffer;
    /** The lines parsed so far: response id → copies of their bytes from `usage` to the end of the request id. */
    seen: Map<string, Buffer[]>;
  };
  /** Bytes [usageFrom, usageTo) of the line that signature() last returned an id for; its id ends at idEnd and its
   * request id is bytes [requestIdFrom, usageTo). */
  private usageFrom = 0;
  private usageTo = 0;
  private idEnd = 0;
  private requestIdFrom = 0;
  lines = 0;
  private repairs = 0;

  constructor(
    private readonly file: LogFile,
    private readonly parser: FileParser,
    private readonly ledger: LedgerSink,
  ) {
    this.needles = [
      ...parser.needles.map((n) => ({ bytes: Buffer.from(n, 'utf8'), at: -1, shortOnly: false })),
      ...(parser.shortNeedles ?? []).map((n) => ({ bytes: Buffer.from(n, 'utf8'), at: -1, shortOnly: true })),
    ];
    this.prefixes = (parser.prefixes ?? []).map((p) => Buffer.from(p, 'utf8'));
    const r = parser.responseShape;
    if (r) {
      const b = (s: string) => Buffer.from(s, 'utf8');
      this.shape = {
        id: b(r.id),
        open: b(r.open),
        close: b(r.close),
        usage: b(r.usage),
        requestId: b(r.requestId),
        depth: r.depth,
        lineStart: b(r.lineStart),
        toolUse: r.toolUse === undefined ? undefined : b(r.toolUse.block),
        toolUseStop: r.toolUse === undefined ? undefined : b(r.toolUse.stopReason),
        seen: new Map(),
      };
    }
  }

  /**
   * Where the last `close` of the response shape starts, or -1. Found from the end by its first byte (a rare one, so
   * few stops): a native search for a single byte is several times cheaper than a backward search for the marker.
   */
  private lastClose(line: Buffer): number {
    const close = this.shape!.close;
    const first = close[0]!;
    for (let p = line.length; p > 0; ) {
      p = line.lastIndexOf(first, p - 1);
      if (p === -1) return -1;
      if (startsWith(line, p, line.length, close)) return p;
    }
    return -1;
  }

  /**
   * The response id of a response line, with the bytes from `usage` to the end of the request id in
   * [usageFrom, usageTo): the two together identify the line. Undefined when the line does not have the expected
   * shape (then it is simply parsed). Only the short id is hashed; the usage bytes are compared natively.
   */
  private signature(line: Buffer, close: number): string | undefined {
    const s = this.shape!;
    const a = line.indexOf(s.id);
    if (a === -1 || close === -1 || close < a) return undefined;
    const aEnd = plainStringEnd(line, a + s.id.length);
    const u = line.indexOf(s.usage, close + s.close.length);
    const b = u === -1 ? -1 : line.indexOf(s.requestId, u);
    if (aEnd === -1 || b === -1) return undefined;
    const bEnd = plainStringEnd(line, b + s.requestId.length);
    if (bEnd === -1) return undefined;
    this.usageFrom = u;
    this.usageTo = bEnd;
    this.idEnd = aEnd;
    this.requestIdFrom = b + s.requestId.length;
    return line.toString('latin1', a + s.id.length, aEnd);
  }

  /** The line signature() was last called on is a copy of one parsed before. */
  private seenBefore(line: Buffer, id: string): boolean {
    const copies = this.shape!.seen.get(id);
    if (copies === undefined) return false;
    for (const c of copies) if (line.compare(c, 0, c.length, this.usageFrom, this.usageTo) === 0) return true;
    return false;
  }

  private remember(line: Buffer, id: string): void {
    const seen = this.shape!.seen;
    const copy = Buffer.from(line.subarray(this.usageFrom, this.usageTo));
    const copies = seen.get(id);
    if (copies) copies.push(copy);
    else seen.set(id, [copy]);
  }

  /**
   * The line as text with the unread value replaced by `[]` (see FileParser.responseShape), or undefined when its
   * shape is not the expected one (then the whole line is parsed). Saves decoding and parsing most of the bytes.
   */
  private elided(line: Buffer, close: number): string | undefined {
    const s = this.shape!;
    if (close === -1 || !startsWith(line, 0, line.length, s.lineStart)) return undefined;
    const i = line.indexOf(s.open);
    if (i === -1 || close <= i) return undefined;
    let depth = 0;
    for (let k = 0; k < i; k++) {
      const c = line[k]!;
      if (c === OPEN_BRACE) depth++;
      else if (c === OPEN_BRACKET || c === CLOSE_BRACE) return undefined;
    }
    if (depth !== s.depth || line.indexOf(s.lineStart, 1) !== -1) return undefined;
    // Keep `"content":` and the `,"stop_reason":…` that follows the array.
    return `${line.toString('utf8', 0, i + s.open.length - 1)}[]${line.toString('utf8', close + 1)}`;
  }

  /**
   * The tool call of a response line, read from the bytes (the parser never sees the content): only a content
   * block that ends its value with an object (`"input":{…}}`) on a line whose response stopped for tool use can
   * be one (text and thinking blocks end with a string, `"}`), so two bytes rule most lines out before any search.
   * Called after signature(), whose positions it uses.
   */
  private toolCall(line: Buffer, close: number, responseId: string): SessionEvent | undefined {
    const s = this.shape!;
    if (!s.toolUse || line[close - 1] !== CLOSE_BRACE || line[close - 2] !== CLOSE_BRACE) return undefined;
    if (!startsWith(line, close + s.close.length, line.length, s.toolUseStop!)) return undefined;
    const open = openAfter(line, this.idEnd, close, s.open);
    const from = open + s.open.length;
    if (open === -1 || !startsWith(line, from, close, s.toolUse)) return undefined;
    return this.parser.toolCall?.(line, from, close, { responseId, requestId: line.toString('latin1', this.requestIdFrom, this.usageTo) });
  }

  /** Call when `buf` holds new content (a new chunk, or a joined long line): needle positions start over. */
  newBuffer(): void {
    for (const n of this.needles) n.at = -2;
  }

  private wanted(buf: Buffer, start: number, end: number): boolean {
    for (const p of this.prefixes) if (startsWith(buf, start, end, p)) return true;
    const short = end - start <= SHORT_LINE_BYTES;
    for (const n of this.needles) {
      if (n.shortOnly) {
        // Searched within the line only: a chunk-wide search for a rare marker would scan every byte again.
        if (short && buf.subarray(start, end).indexOf(n.bytes) !== -1) return true;
        continue;
      }
      if (n.at !== -1 && n.at < start) n.at = buf.indexOf(n.bytes, start);
      if (n.at !== -1 && n.at + n.bytes.length <= end) return true;
    }
    return false;
  }

  /** Handles one line (bytes [start, end) of buf, no newline). `last` = unterminated final fragment. */
  line(buf: Buffer, start: number, end: number, last: 'no' | 'wait' | 'final'): LineOutcome {
    // Trim ASCII whitespace (incl. \r of CRLF files) without copying.
    while (start < end && buf[start]! <= 0x20) start++;
    while (end > start && buf[end - 1]! <= 0x20) end--;
    if (start === end) return LineOutcome.Counted;
    const path = this.file.path;
    if (buf[start] !== OPEN_BRACE) {
      if (last === 'wait') return LineOutcome.Unfinished;
      this.lines++;
      this.ledger.add(path, { kind: 'rejected', reason: 'not-json' });
      return LineOutcome.Counted;
    }
    if (buf[end - 1] !== CLOSE_BRACE) {
      // An object cut short: still being written (last line) or truncated by a crash (mid-file).
      if (last === 'wait') return LineOutcome.Unfinished;
      this.lines++;
      this.ledger.add(path, { kind: 'rejected', reason: last === 'final' ? 'incomplete-line' : 'invalid-json' });
      return LineOutcome.Counted;
    }
    const head = this.parser.classifyHead?.(buf, start, end);
    if (head === 'tool-result') {
      if (last === 'wait') return LineOutcome.Unfinished;
      this.lines++;
      const event = this.parser.toolResult?.(buf, start, end);
      if (event) this.ledger.add(path, { kind: 'event', event });
      return LineOutcome.Counted;
    }
    if (head === 'skip' || (head === undefined && !this.wanted(buf, start, end))) {
      this.lines++;
      return LineOutcome.Counted;
    }
    const line = buf.subarray(start, end);
    const shape = this.shape;
    const close = shape ? this.lastClose(line) : -1;
    // Another content block of a response already parsed in this file: same ids, same usage, nothing new.
    const signature = shape && last === 'no' ? this.signature(line, close) : undefined;
    const tool = signature !== undefined ? this.toolCall(line, close, signature) : undefined;
    if (signature !== undefined && this.seenBefore(line, signature)) {
      this.lines++;
      if (tool) this.ledger.add(path, { kind: 'event', event: tool });
      return LineOutcome.Counted;
    }
    const short = shape && line.length > ELIDE_MIN_BYTES ? this.elided(line, close) : undefined;
    const text = short ?? line.toString('utf8');
    const parsed = this.parser.parseLine(text);
    if (parsed.kind === 'rejected' && parsed.reason === 'invalid-json' && last !== 'no') {
      if (last === 'wait') return LineOutcome.Unfinished;
      this.lines++;
      this.ledger.add(path, { kind: 'rejected', reason: 'incomplete-line' });
      return LineOutcome.Counted;
    }
    this.lines++;
    if (signature !== undefined && parsed.kind === 'usage') this.remember(line, signature);
    if (parsed.kind !== 'rejected' && parsed.kind !== 'skip' && (short !== undefined ? !isUtf8(line) : text.includes('\uFFFD') && !isValidUtf8(line))) this.repairs++;
    this.ledger.add(path, parsed);
    if (tool && parsed.kind === 'usage') this.ledger.add(path, { kind: 'event', event: tool });
    return LineOutcome.Counted;
  }

  parserState(): object {
    return this.parser.state();
  }

  /** Hands the per-read counters to the ledger. */
  flush(): void {
    if (this.lines) this.ledger.countLine(this.file.path, this.lines);
    for (let i = 0; i < this.repairs; i++) this.ledger.countRepair(this.file.path, 'invalid-utf8');
    this.lines = 0;
    this.repairs = 0;
  }
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    strictDecoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export interface ReadOptions {
  /**
   * `final`: a stateless scan; an unterminated last line that is not a whole object is counted as incomplete.
   * `wait` (default): a live read; such a line is left unread until its newline arrives.
   */
  lastLine?: 'wait' | 'final';
}

/**
 * Reads what is new in `file` since `from` into the ledger and returns the checkpoint to resume from, or undefined
 * when the file cannot be read (listed in `ledger.unreadable`; its records stay).
 */
export async function readLogFile(
  file: LogFile,
  from: FileCheckpoint | undefined,
  ledger: LedgerSink,
  options: ReadOptions = {},
): Promise<FileCheckpoint | undefined> {
  const lastMode = options.lastLine ?? 'wait';
  let fd: number;
  try {
    fd = fs.openSync(file.path, 'r');
  } catch (err) {
    ledger.unreadable.push({ path: file.path, error: errorCode(err) });
    return from && { ...from };
  }
  try {
    const st = fs.fstatSync(fd);
    let resume = from;
    if (resume && (resume.ino !== st.ino || resume.dev !== st.dev || st.size < resume.offset)) {
      // Rotated, replaced or truncated: what it said before no longer stands.
      ledger.resetFile(file.path);
      resume = undefined;
    }
    ledger.touchFile(file.path);
    const scan = new FileScan(file, parserFor(file, resume?.parser), ledger);
    let offset = resume?.offset ?? 0; // file position of chunk[0] on the next read
    let consumed = offset; // everything before this is counted
    let skippingLongLine = resume?.skippingLongLine ?? false;
    const chunk = sharedChunk();
    let carry: Buffer[] = [];
    let carryBytes = 0;
    let chunks = 0;
    for (;;) {
      // Synchronous reads: no thread-pool round trip per chunk. Long reads yield now and then (see below).
      const bytesRead = fs.readSync(fd, chunk, 0, CHUNK_BYTES, offset);
      if (bytesRead === 0) break;
      scan.newBuffer();
      let lineStart = 0;
      for (;;) {
        const nl = chunk.indexOf(NEWLINE, lineStart);
        if (nl === -1 || nl >= bytesRead) break;
        if (skippingLongLine) {
          skippingLongLine = false;
        } else if (carryBytes > 0) {
          if (carryBytes + (nl - lineStart) > MAX_LINE_BYTES) {
            scan.lines++;
            ledger.add(file.path, { kind: 'rejected', reason: 'line-too-long' });
          } else {
            const whole = Buffer.concat([...carry, chunk.subarray(lineStart, nl)]);
            scan.newBuffer();
            scan.line(whole, 0, whole.length, 'no');
            scan.newBuffer();
          }
        } else {
          scan.line(chunk, lineStart, nl, 'no');
        }
        carry = [];
        carryBytes = 0;
        lineStart = nl + 1;
        consumed = offset + lineStart;
      }
      if (lineStart < bytesRead && !skippingLongLine) {
        carryBytes += bytesRead - lineStart;
        if (carryBytes > MAX_LINE_BYTES) {
          scan.lines++;
          ledger.add(file.path, { kind: 'rejected', reason: 'line-too-long' });
          skippingLongLine = true;
          carry = [];
          carryBytes = 0;
        } else {
          carry.push(Buffer.from(chunk.subarray(lineStart, bytesRead))); // copy: the chunk is reused
        }
      }
      offset += bytesRead;
      if (skippingLongLine) consumed = offset;
      heapCheckpoint();
      // A huge file must not hold an editor's event loop for long.
      if (++chunks % YIELD_EVERY_CHUNKS === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (carryBytes > 0) {
      const whole = Buffer.concat(carry);
      scan.newBuffer();
      if (scan.line(whole, 0, whole.length, lastMode) === LineOutcome.Counted) consumed = offset;
    }
    scan.flush();
    return {
      path: file.path,
      agent: file.agent,
      dev: st.dev,
      ino: st.ino,
      size: offset,
      mtimeMs: st.mtimeMs,
      offset: consumed,
      parser: scan.parserState(),
      ...(skippingLongLine ? { skippingLongLine } : {}),
    };
  } catch (err) {
    ledger.unreadable.push({ path: file.path, error: errorCode(err) });
    return from && { ...from };
  } finally {
    fs.closeSync(fd);
  }
}

/** A stateless full scan of every log under the roots. */
export async function readAll(roots: SourceRoot[], ledger: LedgerSink): Promise<void> {
  const files = await listLogFiles(roots, ledger.unreadable);
  for (const f of files) await readLogFile(f, undefined, ledger, { lastLine: 'final' });
}

