// Bearer tokens of the team server. A token is shown once, when it is made; the store keeps only its SHA-256, so a
// leaked database gives no usable token. The public id (a prefix of the hash) names a token in lists and revocations.
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'amt_';

/** 32 random bytes, base64url, behind a prefix that secret scanners can match. */
export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** What the store keeps of a token: its SHA-256, hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The token's public id: the first 12 hex digits of its hash. */
export function tokenId(hash: string): string {
  return hash.slice(0, 12);
}

/** The token of an `Authorization: Bearer …` header, if it has one of our shape. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(amt_[A-Za-z0-9_-]{43})\s*$/i.exec(header ?? '');
  return m?.[1];
}
