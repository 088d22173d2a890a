// Team server throughput: N simulated members POST realistic sync batches (30 cumulative rows each, revisions rising,
// so every row is an update) over keep-alive HTTP from a separate client process, for SQLite and PostgreSQL. Prints
// requests/s, rows/s, latency percentiles, and the members one instance supports at a 60 s sync interval.
//
//   node --import tsx scripts/bench/server.ts [--db sqlite|postgres|both] [--members N] [--concurrency C]
//                                             [--seconds S] [--rows R]
//
// The server runs in this process with the real routes, store and status maths (rate limit lifted; each member has a
// token and a budget, so every answer computes a real standing). PostgreSQL is a throwaway cluster
// (test/server/postgres.ts) with its default durability (fsync on); SQLite is a file in a temp dir.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { SyncBatch, SyncRow } from '../../src/core/teamProtocol';
import { PostgresStore } from '../../src/server/postgresStore';
import { SqliteStore } from '../../src/server/sqliteStore';
import type { Store } from '../../src/server/store';
import { startTeamServer } from '../../src/server/teamServer';
import { hashToken, newToken, tokenId } from '../../src/server/tokens';
import { startPostgres } from '../../test/server/postgres';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'both' },
    members: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '10' },
    rows: { type: 'string', default: '30' },
    // Internal: run as the load-generating client.
    client: { type: 'string' },
  },
  strict: true,
});
const members = Number(values.members);
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const rowsPerBatch = Number(values.rows);

interface ClientResult {
  requests: number;
  rows: number;
  errors: number;
  seconds: number;
  p50: number;
  p95: number;
  p99: number;
}

// ---------------------------------------------------------------------------------------------------------------
// The client process: `concurrency` loops over keep-alive connections, each taking the next member in turn.

const MODELS = ['claude-sonnet-4-5', 'claude-opus-4-1', 'gpt-5-codex'];

function memberBatch(member: number, round: number): SyncBatch {
  const rows: SyncRow[] = [];
  for (let i = 0; i < rowsPerBatch; i++) {
    const day = `2026-03-${String(1 + (i % 28)).padStart(2, '0')}`;
    const model = MODELS[Math.floor(i / 28) % MODELS.length]!;
    const requests = 10 * round + i;
    rows.push({
      day,
      agent: model.startsWith('gpt') ? 'codex' : 'claude-code',
      model,
      repo: `repo-${member % 7}`,
      branch: 'main',
      rev: round + 1,
      costNanoUsd: requests * 12_345_678,
      requests,
      unpricedRequests: 0,
      webSearchRequests: 0,
      tokens: { input: requests * 900, output: requests * 300, cacheRead: requests * 20_000, cacheWrite5m: requests * 500, cacheWrite1h: 0 },
    });
  }
  return { schema: 1, machine: `host-${member}`, timeZone: 'UTC', client: { name: 'bench', version: '0' }, rows };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

async function runClient(spec: { url: string; tokens: string[] }): Promise<ClientResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL('/v1/usage', spec.url);
  const rounds = new Array<number>(spec.tokens.length).fill(0);
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const warmupEnd = performance.now() + 1_000;
  const end = warmupEnd + seconds * 1000;
  const post = (member: number): Promise<number> => {
    const body = JSON.stringify(memberBatch(member, rounds[member]!++));
    return new Promise((resolve) => {
      const req = http.request(
        target,
        { method: 'POST', agent, headers: { authorization: `Bearer ${spec.tokens[member]}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(body);
    });
  };
  const loop = async () => {
    while (performance.now() < end) {
      const member = next++ % spec.tokens.length;
      const started = performance.now();
      const status = await post(member);
      if (started < warmupEnd) continue;
      if (status === 200) latencies.push(performance.now() - started);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    rows: latencies.length * rowsPerBatch,
    errors,
    seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The server side.

async function measure(kind: 'sqlite' | 'postgres'): Promise<ClientResult & { db: string }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-bench-'));
  const pg = kind === 'postgres' ? await startPostgres({ database: 'bench', durable: true }) : undefined;
  let store: Store | undefined;
  try {
    store = pg ? await PostgresStore.open(pg.url, { max: 20 }) : new SqliteStore(path.join(tmp, 'team.db'));
    const tokens: string[] = [];
    for (let m = 0; m < members; m++) {
      const secret = newToken();
      const hash = hashToken(secret);
      await store.addToken(hash, { id: tokenId(hash), team: 'bench', member: `member-${m}`, createdAt: new Date().toISOString() });
      await store.setBudget('bench', { scope: 'member', member: `member-${m}`, period: 'monthly', amountUsd: 1e6 });
      tokens.push(secret);
    }
    await store.setBudget('bench', { scope: 'team', member: '', period: 'monthly', amountUsd: 1e9 });
    const server = await startTeamServer({
      store,
      port: 0,
      host: '127.0.0.1',
      defaultTimeZone: 'UTC',
      rateLimit: { ratePerSecond: 1e9, burst: 1e9 },
      log: () => undefined,
      now: () => new Date('2026-03-28T12:00:00Z'),
    });
    const specFile = path.join(tmp, 'client.json');
    fs.writeFileSync(specFile, JSON.stringify({ url: server.url, tokens }));
    const result = await new Promise<ClientResult>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', __filename, '--client', specFile, '--concurrency', String(concurrency), '--seconds', String(seconds), '--rows', String(rowsPerBatch)],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as ClientResult) : reject(new Error(`client exited ${code}`))));
    });
    await server.close();
    return { db: pg ? 'PostgreSQL 15 (fsync on)' : 'SQLite (node-sqlite3-wasm)', ...result };
  } finally {
    await store?.close();
    await pg?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (values.client) {
    process.stdout.write(JSON.stringify(await runClient(JSON.parse(fs.readFileSync(values.client, 'utf8')))));
    return;
  }
  const kinds = values.db === 'both' ? (['sqlite', 'postgres'] as const) : [values.db as 'sqlite' | 'postgres'];
  const lines = [
    `Team server, ${members} members × ${rowsPerBatch} rows per POST, ${concurrency} in flight, ${seconds} s (after 1 s warm-up), ${os.cpus().length} CPUs, Node ${process.version}`,
    '',
    '| store | requests/s | rows/s | p50 ms | p95 ms | p99 ms | errors | members at a 60 s interval |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const kind of kinds) {
    process.stderr.write(`measuring ${kind}…\n`);
    const r = await measure(kind);
    const rps = r.requests / r.seconds;
    lines.push(
      `| ${r.db} | ${rps.toFixed(0)} | ${(r.rows / r.seconds).toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.errors} | ${Math.floor(rps * 60).toLocaleString('en-US')} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
