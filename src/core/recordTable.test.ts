import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordTable } from './recordTable';
import type { UsageRecord } from './usageRecord';

const record = (key: string, over: Partial<UsageRecord> = {}): UsageRecord => ({
  agent: 'claude-code',
  key,
  sessionId: 's-1',
  agentId: undefined,
  timestamp: '2026-11-20T10:00:00.123Z',
  model: 'claude-sonnet-4-5-20250929',
  project: '/home/dev/demo',
  branch: 'main',
  tokens: { input: 10, output: 20, cacheRead: 3_000_000_000, cacheWrite5m: 40, cacheWrite1h: 50 },
  webSearchRequests: 2,
  fast: false,
  stopReason: 'end_turn',
  contextWindow: undefined,
  ...over,
});

describe('the record table', () => {
  it('gives back every field as it was stored, optional ones included', () => {
    const t = new RecordTable();
    const plain = record('a');
    const odd = record('b', {
      agent: 'codex',
      agentId: 'agent-7',
      project: undefined,
      branch: undefined,
      fast: true,
      copied: true,
      stopReason: undefined,
      contextWindow: 258_400,
      // Not the canonical ISO form: kept as written.
      timestamp: '2026-11-20T10:00:00.123456+00:00',
    });
    const rows = [t.add(plain, 0), t.add(odd, 1)];
    assert.deepEqual(t.get(rows[0]!), plain);
    assert.deepEqual(t.get(rows[1]!), odd);
    assert.equal(t.file(rows[1]!), 1);
    assert.equal(t.totalTokens(rows[0]!), 10 + 20 + 3_000_000_000 + 40 + 50);
    assert.equal(t.copied(rows[1]!), true);
    assert.equal(t.get(rows[0]!).copied, undefined);
  });

  it('keeps the copies of one response in a ring, and finds a file’s copy in it', () => {
    const t = new RecordTable();
    const a = t.add(record('k'), 0);
    const b = t.add(record('k', { sessionId: 's-2' }), 1);
    const c = t.add(record('k', { sessionId: 's-3' }), 2);
    t.joinRing(a, b);
    t.joinRing(a, c);
    assert.equal(t.copyIn(a, 2), c);
    assert.equal(t.copyIn(c, 1), b);
    assert.equal(t.copyIn(a, 9), -1);
    const other = t.release(b);
    assert.ok(other === a || other === c);
    assert.equal(t.copyIn(a, 1), -1, 'the released copy left the ring');
    assert.equal(t.copyIn(a, 2), c, 'the others stay linked');
  });

  it('reuses freed rows and leaves the others untouched', () => {
    const t = new RecordTable();
    const a = t.add(record('a'), 0);
    const b = t.add(record('b'), 0);
    assert.equal(t.release(a), -1, 'a copy alone in its ring');
    assert.deepEqual([...t.liveRows()], [b]);
    const c = t.add(record('c'), 3);
    assert.equal(c, a, 'the freed row is taken again');
    assert.equal(t.get(c).key, 'c');
    assert.equal(t.get(b).key, 'b');
  });

  it('survives its image: a table built from it answers the same, across blocks', () => {
    const t = new RecordTable();
    const n = 9000; // more than two blocks
    for (let i = 0; i < n; i++) t.add(record(`k${i}`, { tokens: { input: i, output: 1, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 }, sessionId: `s-${i % 7}` }), i % 5);
    t.release(17);
    const again = new RecordTable(t.image());
    assert.deepEqual([...again.liveRows()], [...t.liveRows()]);
    for (const row of [0, 4095, 4096, 8999]) assert.deepEqual(again.get(row), t.get(row));
    assert.equal(again.add(record('new'), 0), 17, 'the free list came along');
  });
});
