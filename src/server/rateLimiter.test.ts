import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from './rateLimiter';

describe('RateLimiter', () => {
  it('allows a burst, then refuses with the wait until the next token', () => {
    let now = 1_000;
    const limiter = new RateLimiter({ ratePerSecond: 20, burst: 40 }, () => now);
    for (let i = 0; i < 40; i++) assert.equal(limiter.take('a'), 0, `request ${i}`);
    assert.equal(limiter.take('a'), 50);
    now += 25;
    assert.equal(limiter.take('a'), 25);
    now += 25;
    assert.equal(limiter.take('a'), 0);
    assert.equal(limiter.take('a'), 50);
  });

  it('keeps one bucket per key and never refills past the burst', () => {
    let now = 0;
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 2 }, () => now);
    assert.equal(limiter.take('a'), 0);
    assert.equal(limiter.take('a'), 0);
    assert.ok(limiter.take('a') > 0);
    assert.equal(limiter.take('b'), 0);
    now += 3_600_000;
    assert.equal(limiter.take('a'), 0);
    assert.equal(limiter.take('a'), 0);
    assert.equal(limiter.take('a'), 1000);
  });
});
