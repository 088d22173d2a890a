import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compactionTurnIndex, niceTicks, requestTicks, scaleLinear, turnBuckets } from './chartMath';

test('niceTicks covers the maximum with round steps', () => {
  assert.deepEqual(niceTicks(0.84, 4), { max: 1, step: 0.25, ticks: [0, 0.25, 0.5, 0.75, 1] });
  assert.deepEqual(niceTicks(200_000, 4), { max: 200_000, step: 50_000, ticks: [0, 50_000, 100_000, 150_000, 200_000] });
  assert.deepEqual(niceTicks(37, 4), { max: 40, step: 10, ticks: [0, 10, 20, 30, 40] });
  const tiny = niceTicks(0.003, 4);
  assert.equal(tiny.step, 0.001);
  assert.deepEqual(tiny.ticks, [0, 0.001, 0.002, 0.003]);
});

test('niceTicks never yields an empty axis', () => {
  assert.deepEqual(niceTicks(0, 4).ticks, [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(niceTicks(Number.NaN, 4).ticks, [0, 0.25, 0.5, 0.75, 1]);
  assert.ok(niceTicks(123, 0).ticks.length >= 2);
});

test('niceTicks labels do not drift (0.1 + 0.2)', () => {
  const { ticks } = niceTicks(0.3, 3);
  assert.deepEqual(ticks, [0, 0.1, 0.2, 0.3]);
});

test('requestTicks starts at 1 and uses whole round steps', () => {
  assert.deepEqual(requestTicks(0, 5), []);
  assert.deepEqual(requestTicks(1, 5), [1]);
  assert.deepEqual(requestTicks(30, 6), [1, 5, 10, 15, 20, 25, 30]);
  assert.deepEqual(requestTicks(3, 10), [1, 2, 3]);
});

test('turnBuckets: one per turn with room, contiguous and complete otherwise', () => {
  assert.deepEqual(turnBuckets(3, 10), [{ start: 0, end: 0 }, { start: 1, end: 1 }, { start: 2, end: 2 }]);
  assert.deepEqual(turnBuckets(0, 10), []);
  const buckets = turnBuckets(1000, 7);
  assert.equal(buckets.length, 7);
  assert.equal(buckets[0]!.start, 0);
  assert.equal(buckets[buckets.length - 1]!.end, 999);
  for (let i = 1; i < buckets.length; i++) assert.equal(buckets[i]!.start, buckets[i - 1]!.end + 1);
});

test('compactionTurnIndex finds the first turn at or after the compaction', () => {
  const times = ['2025-06-02T10:00:00Z', '2025-06-02T10:05:00Z', '2025-06-02T10:10:00Z'];
  assert.equal(compactionTurnIndex(times, '2025-06-02T09:00:00Z'), 0);
  assert.equal(compactionTurnIndex(times, '2025-06-02T10:07:00Z'), 2);
  assert.equal(compactionTurnIndex(times, '2025-06-02T10:05:00Z'), 1);
  assert.equal(compactionTurnIndex(times, '2025-06-02T11:00:00Z'), 3);
  assert.equal(compactionTurnIndex(times, 'not a time'), -1);
});

test('scaleLinear maps and inverts ranges, a flat domain lands in the middle', () => {
  assert.equal(scaleLinear(5, 0, 10, 100, 0), 50);
  assert.equal(scaleLinear(0, 0, 10, 180, 20), 180);
  assert.equal(scaleLinear(3, 3, 3, 0, 10), 5);
});
