// Shared JSONL line handling for every source. The reader (src/node) hands each line's text to a source parser;
// the parser uses these helpers so that no exception escapes and every bad line becomes a counted rejection.
import type { ParsedLine, SessionEvent } from '../usageRecord';

/** Parses one JSON object line, or returns the rejection it earns. */
export function parseJsonObject(
  text: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; rejection: ParsedLine } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, rejection: { kind: 'rejected', reason: 'invalid-json' } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, rejection: { kind: 'rejected', reason: 'not-json' } };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** Raw bytes with a native substring search: the reader hands Node Buffers (core code stays free of `Buffer`). */
export interface SearchableBytes extends Uint8Array {
  indexOf(value: Uint8Array | number, byteOffset?: number): number;
}

/** A source's view of one log file: the reader asks it about each line in order. */
export interface FileParser {
  /** A line is parsed when it contains one of these (checked on raw bytes)… */
  readonly needles: readonly string[];
  /** …or when it is at most SHORT_LINE_BYTES long and contains one of these: markers of small line types that are
   * not worth searching for through long lines. */
  readonly shortNeedles?: readonly string[];
  /** …or when it starts with one of these (line types whose writer puts `type` first). */
  readonly prefixes?: readonly string[];
  /**
   * A cheaper first look at the line's first bytes (bytes [start, end) of `bytes`): 'parse' or 'skip' when the
   * head alone tells, undefined to fall back to the needles. Saves searching long lines whose head says enough.
   */
  classifyHead?(bytes: Uint8Array, start: number, end: number): 'parse' | 'skip' | 'tool-result' | undefined;
  parseLine(text: string): ParsedLine;
  /**
   * A line classifyHead called 'tool-result' (bytes [start, end)): the event it carries (a failed tool result), read
   * from the bytes without parsing the line (tool output is most of a log's bytes).
   */
  toolResult?(bytes: SearchableBytes, start: number, end: number): SessionEvent | undefined;
  /**
   * A response line whose content (bytes [from, to): from just after `responseShape.open` to the last `close`)
   * starts with `responseShape.toolUse.block`: the tool call it carries, read from the bytes (ids and input are
   * hashed, never kept). Asked for repeats too: each content block of a response is its own line. `ids` are the
   * response and request ids the reader already found on the line.
   */
  toolCall?(line: SearchableBytes, from: number, to: number, ids: { responseId: string; requestId: string }): SessionEvent | undefined;
  /** What the parser carries from line to line, to resume a file after a restart (JSON-serialisable). */
  state(): object;
  /**
   * The byte layout of the lines that carry usage (Claude Code's API responses: one line per content block, all with
   * the same ids and usage), for two shortcuts taken on raw bytes. The value the parser never reads (`message.content`:
   * text, thinking, tool inputs, most of a log's bytes) ends at the last `close` (`],"stop_reason":`); `usage` is the
   * first after it and `requestId` the first after that. `id` (its first occurrence) precedes the response id.
   * - Repeats: a line whose response id, and whose bytes from `usage` to the end of the `requestId` value, equal those
   *   of a line already parsed in the same file is that line again, and is not parsed.
   * - Elision: the parser may be handed the line with that value replaced by `[]` instead of decoding and parsing it.
   *   The value starts at the first `open` (`"content":[`), only when every byte before it is flat fields of `depth`
   *   nested objects (no array, no deeper object). A line holding `lineStart` anywhere but at its start (two lines
   *   glued by a crash) is never cut.
   */
  readonly responseShape?: {
    id: string;
    open: string;
    close: string;
    usage: string;
    requestId: string;
    depth: number;
    lineStart: string;
    /** How a content value holding a tool call starts (`block`), and what follows `close` on the lines of a
     * response that called a tool (`stopReason`): only those lines are looked at (see toolCall). */
    toolUse?: { block: string; stopReason: string };
  };
}

export const SHORT_LINE_BYTES = 4096;

const interned = new Map<string, string>();

/**
 * One shared copy of strings that repeat on every line (session ids, models, paths, branches): JSON.parse makes a
 * fresh copy per line, and a large history holds hundreds of thousands of records.
 */
export function intern(s: string): string {
  const hit = interned.get(s);
  if (hit !== undefined) return hit;
  interned.set(s, s);
  return s;
}

export function internOpt(s: string | null | undefined): string | undefined {
  return s ? intern(s) : undefined;
}

/** Fast-path checks that agree with the zod schemas (a test fuzzes them against each other). */
export const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
export const isOptCount = (v: unknown): boolean => v === undefined || v === null || isCount(v);
export const isOptString = (v: unknown): boolean => v === undefined || v === null || typeof v === 'string';
export const isOptBool = (v: unknown): boolean => v === undefined || v === null || typeof v === 'boolean';
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isOptObject = (v: unknown): boolean => v === undefined || v === null || isObject(v);

/**
 * A 30-bit hash of bytes [from, to) (a small integer: stored unboxed), FNV-style over 4-byte words. Inputs over
 * 256 bytes are hashed on their first 160 bytes, their last 96 and their length: a fingerprint for "the same call
 * again" (a command, a path, an edit's strings), not a content digest, and cheap enough for every tool call of a
 * large history.
 */
export function bytesHash(b: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  const mix = (a: number, z: number) => {
    let i = a;
    for (; i + 4 <= z; i += 4) h = Math.imul(h ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)), 0x01000193);
    for (; i < z; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  };
  if (to - from <= 256) mix(from, to);
  else {
    mix(from, from + 160);
    mix(to - 96, to);
    h = Math.imul(h ^ (to - from), 0x01000193);
  }
  h ^= h >>> 15;
  return (Math.imul(h, 0x2c1b3c6d) >>> 2) & 0x3fffffff;
}

/** bytesHash for a string of UTF-16 code units (a value already parsed out of JSON), same limits. */
export function textHash(text: string): number {
  let h = 0x811c9dc5;
  const mix = (a: number, z: number) => {
    for (let i = a; i < z; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  };
  const n = text.length;
  if (n <= 256) mix(0, n);
  else {
    mix(0, 160);
    mix(n - 96, n);
    h = Math.imul(h ^ n, 0x01000193);
  }
  h ^= h >>> 15;
  return (Math.imul(h, 0x2c1b3c6d) >>> 2) & 0x3fffffff;
}

/** End (index of the closing quote) of the JSON string whose content starts at `from`, or -1. */
export function jsonStringEnd(b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c === 0x22) return i;
    if (c === 0x5c) i++;
  }
  return -1;
}
