// What the team server's integration tests share: a server on 127.0.0.1 over a real store with a pinned clock,
// tokens made the way `serve token create` makes them, a small HTTP client, and row builders.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SyncBatch, SyncRow } from '../../src/core/teamProtocol';
import type { RateLimitOptions } from '../../src/server/rateLimiter';
import type { Store } from '../../src/server/store';
import { startTeamServer, type TeamServer } from '../../src/server/teamServer';
import { hashToken, newToken, tokenId } from '../../src/server/tokens';

/** Wednesday 18 March 2026, 12:00 UTC (13:00 in Paris): the suite's "now". */
export const NOW = new Date('2026-03-18T12:00:00Z');

export interface Stack {
  server: TeamServer;
  logs: string[];
}

export async function startStack(store: Store, options: { rateLimit?: RateLimitOptions; timeZone?: string } = {}): Promise<Stack> {
  const logs: string[] = [];
  const server = await startTeamServer({
    store,
    port: 0,
    host: '127.0.0.1',
    defaultTimeZone: options.timeZone ?? 'Europe/Paris',
    rateLimit: options.rateLimit ?? { ratePerSecond: 10_000, burst: 10_000 },
    webhook: { timeoutMs: 2_000, attempts: 2, backoffMs: 50 },
    log: (line) => logs.push(line),
    now: () => NOW,
  });
  return { server, logs };
}

/** A new token stored as the CLI stores it; member null = admin. */
export async function makeToken(store: Store, team: string, member: string | null): Promise<string> {
  const secret = newToken();
  const hash = hashToken(secret);
  await store.addToken(hash, { id: tokenId(hash), team, member, createdAt: NOW.toISOString() });
  return secret;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // Tests read answers loosely and check them against the contract's schemas where it matters.
  json: any;
}

/** One request on a fresh connection; `body` is JSON-encoded unless it is a Buffer or string. */
export function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const url = new URL(path, base);
  const payload =
    options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
  const headers: Record<string, string> = {
    ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

export function row(day: string, overrides: Partial<SyncRow> = {}): SyncRow {
  return {
    day,
    agent: 'claude-code',
    model: 'claude-sonnet-4-5',
    repo: 'agent-meter',
    branch: 'main',
    rev: 1,
    costNanoUsd: 1_000_000_000,
    requests: 1,
    unpricedRequests: 0,
    webSearchRequests: 0,
    tokens: { input: 10, output: 20, cacheRead: 30, cacheWrite5m: 4, cacheWrite1h: 5 },
    ...overrides,
  };
}

export function batch(machine: string, rows: SyncRow[], member?: string): SyncBatch {
  return { schema: 1, machine, ...(member ? { member } : {}), timeZone: 'Europe/Paris', client: { name: 'test', version: '0' }, rows };
}

/** A local receiver of webhook POSTs. */
export async function webhookReceiver(): Promise<{ url: string; received: unknown[]; close(): Promise<void> }> {
  const received: unknown[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
