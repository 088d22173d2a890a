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
  /** Substrings at least one of which a line must contain to be worth parsing (checked on raw bytes). */
  readonly needles: readonly string[];
  parseLine(text: string): ParsedLine;
}
