// Shared JSONL line handling for every source. The reader (src/node) hands each line's text to a source parser;
// the parser uses these helpers so that no exception escapes and every bad line becomes a counted rejection.
import type { ParsedLine } from '../usageRecord';

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
  classifyHead?(bytes: Uint8Array, start: number, end: number): 'parse' | 'skip' | undefined;
  parseLine(text: string): ParsedLine;
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
