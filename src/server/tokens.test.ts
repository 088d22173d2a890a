import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { bearerToken, hashToken, newToken, tokenId } from './tokens';

describe('tokens', () => {
  it('are amt_ plus 32 random bytes, different every time', () => {
    const a = newToken();
    const b = newToken();
    assert.match(a, /^amt_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(a.slice(4), 'base64url').length, 32);
    assert.notEqual(a, b);
  });

  it('are stored as their SHA-256 and named by its first 12 hex digits', () => {
    const token = 'amt_' + 'A'.repeat(43);
    const hash = hashToken(token);
    assert.equal(hash, createHash('sha256').update(token).digest('hex'));
    assert.equal(hash.length, 64);
    assert.equal(tokenId(hash), hash.slice(0, 12));
    assert.notEqual(hashToken(token + 'B'), hash);
  });

  it('are read from a Bearer header only when well formed', () => {
    const token = newToken();
    assert.equal(bearerToken(`Bearer ${token}`), token);
    assert.equal(bearerToken(`bearer  ${token} `), token);
    assert.equal(bearerToken(token), undefined);
    assert.equal(bearerToken(`Bearer ${token}x`), undefined);
    assert.equal(bearerToken('Bearer amt_short'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});
