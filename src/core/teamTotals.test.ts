import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PriceTable, costOf } from './pricing';
import {
  acknowledge,
  emptyOutbox,
  outboxTotalNanoUsd,
  pendingRows,
  repoName,
  retryDelayMs,
  teamRows,
  updateOutbox,
  type TeamRowOptions,
} from './teamTotals';
import { rowKey } from './teamProtocol';
import type { UsageRecord } from './usageRecord';

const prices = new PriceTable();
const options: TeamRowOptions = { timeZone: 'UTC', shareRepo: 'name', shareBranch: 'name', hash: (v) => `h(${v})` };

function rec(over: Partial<UsageRecord> & { key: string }): UsageRecord {
  return {
    agent: 'claude-code',
    sessionId: 's1',
    timestamp: '2026-11-20T10:00:00Z',
    model: 'claude-sonnet-4-5-20250929',
    project: '/home/alice/work/shop',
    branch: 'main',
    tokens: { input: 1000, output: 200, cacheRead: 5000, cacheWrite5m: 300, cacheWrite1h: 0 },
    webSearchRequests: 0,
    fast: false,
    ...over,
  };
}

describe('team rows', () => {
  it('groups requests by day, agent, model, repo and branch, with exact integer nano-dollars', () => {
    const records = [
      rec({ key: 'a' }),
      rec({ key: 'b', timestamp: '2026-11-20T23:30:00Z' }),
      rec({ key: 'c', timestamp: '2026-11-21T00:30:00Z' }),
      rec({ key: 'd', branch: 'feature/x' }),
      rec({ key: 'e', model: 'no-such-model-7' }),
    ];
    const rows = teamRows(records, prices, options);
    assert.equal(rows.size, 4);
    const main20 = rows.get(rowKey({ day: '2026-11-20', agent: 'claude-code', model: 'claude-sonnet-4-5-20250929', repo: 'shop', branch: 'main' }));
    assert.ok(main20);
    assert.equal(main20.requests, 2);
    assert.equal(main20.tokens.cacheRead, 10_000);
    const row = prices.resolve('claude-sonnet-4-5-20250929', '2026-11-20T10:00:00Z', 'claude-code')!.row;
    const one = costOf(records[0]!.tokens, 0, row);
    assert.equal(main20.costNanoUsd, Math.round(2 * one * 1e9));
    assert.ok(Number.isInteger(main20.costNanoUsd) && main20.costNanoUsd > 0);
    const unknown = [...rows.values()].find((r) => r.model === 'no-such-model-7')!;
    assert.equal(unknown.unpricedRequests, 1);
    assert.equal(unknown.costNanoUsd, 0);
  });

  it('buckets days in the given time zone', () => {
    const rows = teamRows([rec({ key: 'a', timestamp: '2026-11-20T23:30:00Z' })], prices, { ...options, timeZone: 'Europe/Berlin' });
    assert.equal([...rows.values()][0]!.day, '2026-11-21');
  });

  it('never shares a full path; hashes or drops repo and branch on request', () => {
    assert.equal(repoName('/home/alice/work/shop/'), 'shop');
    assert.equal(repoName('C:\\Users\\bob\\proj'), 'proj');
    assert.equal(repoName(undefined), '');
    const hashed = [...teamRows([rec({ key: 'a' })], prices, { ...options, shareRepo: 'hash', shareBranch: 'off' }).values()][0]!;
    assert.equal(hashed.repo, 'h(shop)');
    assert.equal(hashed.branch, '');
    assert.ok(!JSON.stringify(hashed).includes('alice'));
  });
});

describe('outbox', () => {
  it('gives changed rows a new revision, keeps unchanged ones, and zeroes keys that disappear', () => {
    const state = emptyOutbox('t', 'UTC');
    const first = teamRows([rec({ key: 'a' }), rec({ key: 'b', branch: 'dev' })], prices, options);
    assert.equal(updateOutbox(state, first, 1_000), 2);
    const sent = pendingRows(state);
    assert.deepEqual(sent.map((r) => r.rev), [1_000, 1_001]);
    acknowledge(state, sent);
    assert.equal(pendingRows(state).length, 0);
    // Nothing changed: nothing to send, no revision spent.
    assert.equal(updateOutbox(state, teamRows([rec({ key: 'a' }), rec({ key: 'b', branch: 'dev' })], prices, options), 2_000), 0);
    assert.equal(state.lastRev, 1_001);
    // One request more on main, the dev request gone (its file was replaced): main changes, dev becomes zeros.
    const next = teamRows([rec({ key: 'a' }), rec({ key: 'c' })], prices, options);
    assert.equal(updateOutbox(state, next, 500), 2); // the clock stepped back: revisions still grow
    const pending = pendingRows(state);
    assert.deepEqual(pending.map((r) => r.rev), [1_002, 1_003]);
    const dev = pending.find((r) => r.branch === 'dev')!;
    assert.equal(dev.requests, 0);
    assert.equal(dev.costNanoUsd, 0);
    assert.equal(outboxTotalNanoUsd(state), [...next.values()].reduce((s, r) => s + r.costNanoUsd, 0));
  });

  it('a row that changes while in flight stays pending after the older revision is acknowledged', () => {
    const state = emptyOutbox('t', 'UTC');
    updateOutbox(state, teamRows([rec({ key: 'a' })], prices, options), 10);
    const inFlight = pendingRows(state);
    updateOutbox(state, teamRows([rec({ key: 'a' }), rec({ key: 'b' })], prices, options), 20);
    acknowledge(state, inFlight);
    assert.equal(pendingRows(state).length, 1);
    assert.equal(pendingRows(state)[0]!.requests, 2);
  });
});

describe('retry delay', () => {
  it('grows exponentially with jitter, is capped, and honours Retry-After', () => {
    assert.equal(retryDelayMs(1, 1_000, 60_000, 0.5), 1_000);
    assert.equal(retryDelayMs(3, 1_000, 60_000, 0.5), 4_000);
    assert.equal(retryDelayMs(3, 1_000, 60_000, 0), 2_000);
    assert.equal(retryDelayMs(3, 1_000, 60_000, 0.999), 5_996);
    assert.equal(retryDelayMs(20, 1_000, 60_000, 0.5), 60_000);
    assert.equal(retryDelayMs(1, 1_000, 60_000, 0.5, 30_000), 30_000);
  });
});
