import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SyncRow } from '../core/teamProtocol';
import { exactInteger, latestPerKey } from './store';

const row = (day: string, model: string, rev: number): SyncRow => ({
  day,
  agent: 'claude-code',
  model,
  repo: '',
  branch: '',
  rev,
  costNanoUsd: rev,
  requests: 1,
  unpricedRequests: 0,
  webSearchRequests: 0,
  tokens: { input: 1, output: 1, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 },
});

describe('latestPerKey', () => {
  it('keeps the highest revision of a key named twice, counts the other, sorts by key', () => {
    const { rows, dropped } = latestPerKey([row('2026-03-02', 'm', 5), row('2026-03-01', 'm', 1), row('2026-03-02', 'm', 9), row('2026-03-02', 'm', 7)]);
    assert.equal(dropped, 2);
    assert.deepEqual(rows.map((r) => `${r.day}@${r.rev}`), ['2026-03-01@1', '2026-03-02@9']);
  });
});

describe('exactInteger', () => {
  it('takes numbers, numeric text and bigint, and refuses what is not exact', () => {
    assert.equal(exactInteger(42), 42);
    assert.equal(exactInteger('9007199254740991'), Number.MAX_SAFE_INTEGER);
    assert.equal(exactInteger(12n), 12);
    assert.equal(exactInteger(null), 0);
    assert.throws(() => exactInteger('9007199254740993'), RangeError);
    assert.throws(() => exactInteger(2n ** 60n), RangeError);
    assert.throws(() => exactInteger(1.5), RangeError);
  });
});
