// The hot path's hand-written check and head classifier against the zod schema and the full parser, on lines the
// real Claude Code CLI wrote (test/fixtures/claude-real) and on seeded mutations of them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { assistantLineSchema, classifyClaudeHead, createClaudeFileParser, isAssistantLine } from './claudeCode';

function realLines(): string[] {
  const root = 'test/fixtures/claude-real';
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.jsonl'));
  return files.flatMap((f) => readFileSync(path.join(root, f), 'utf8').split('\n').filter((l) => l.trim()));
}

/** mulberry32: a seeded PRNG so a failure reproduces. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_VALUES: unknown[] = [null, undefined, -1, 1.5, 0, 7, '', 'x', '12', true, false, [], {}, [1], { a: 1 }, 2 ** 53];

/** Every (object, key) pair inside a JSON value, for mutation. */
function slots(v: unknown, out: [Record<string, unknown>, string][] = []): [Record<string, unknown>, string][] {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const k of Object.keys(v)) {
      out.push([v as Record<string, unknown>, k]);
      slots((v as Record<string, unknown>)[k], out);
    }
  }
  return out;
}

describe('Claude hot path', () => {
  const lines = realLines();
  const assistants = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((o) => o['type'] === 'assistant');

  it('has real assistant lines to work on', () => {
    assert.ok(assistants.length >= 20, `${assistants.length}`);
  });

  it('the hand-written check agrees with the zod schema on real lines and 20,000 mutations of them', () => {
    const rand = prng(42);
    let accepted = 0;
    let rejected = 0;
    for (const o of assistants) assert.equal(isAssistantLine(o), assistantLineSchema.safeParse(o).success);
    for (let i = 0; i < 20_000; i++) {
      const o = structuredClone(assistants[Math.floor(rand() * assistants.length)]!);
      const all = slots(o);
      for (let m = 1 + Math.floor(rand() * 2); m > 0; m--) {
        const [obj, key] = all[Math.floor(rand() * all.length)]!;
        const v = ODD_VALUES[Math.floor(rand() * ODD_VALUES.length)];
        if (v === undefined) delete obj[key];
        else obj[key] = structuredClone(v);
      }
      const fast = isAssistantLine(o);
      const zod = assistantLineSchema.safeParse(o).success;
      assert.equal(fast, zod, `disagree on ${JSON.stringify(o)}: ${JSON.stringify(assistantLineSchema.safeParse(o).error?.issues)}`);
      if (zod) accepted++;
      else rejected++;
    }
    // The mutations must exercise both outcomes, or the test proves nothing.
    assert.ok(accepted > 1000 && rejected > 1000, `accepted ${accepted}, rejected ${rejected}`);
  });

  it('the head classifier never skips a line that carries usage, an estimate or an event', () => {
    const parser = createClaudeFileParser('s');
    const counts = { parse: 0, skip: 0, 'tool-result': 0, unknown: 0 };
    for (const l of lines) {
      const bytes = Buffer.from(l);
      const head = classifyClaudeHead(bytes, 0, bytes.length);
      counts[head ?? 'unknown']++;
      const parsed = parser.parseLine(l);
      if (head === 'skip') assert.equal(parsed.kind, 'skip', l.slice(0, 200));
      if (parsed.kind === 'usage') assert.equal(head, 'parse', l.slice(0, 200));
    }
    assert.ok(counts.parse > 0 && counts.skip > 0, JSON.stringify(counts));
  });
});
