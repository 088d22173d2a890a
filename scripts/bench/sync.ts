// What team sync costs on a huge history: the benchmark corpus (run.ts generates it; default: the 500 MB one) in a
// ledger, the real team server (`agent-meter serve` from dist/, SQLite in a temp dir) on 127.0.0.1, and the real
// sync client. Times the first sync of the whole history, a pass with nothing new (the cost every interval pays),
// and append → visible in the server's summary for one new request (the pass the extension runs on its timer or on
// Sync Now). A script, not a test: figures go to the README.
//
//   npm run build && node --import tsx scripts/bench/sync.ts [--dir CORPUS_DIR] [--runs N]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { assistantLine } from '../../test/helpers/logLines';
import { PriceTable } from '../../src/core/pricing';
import { Meter } from '../../src/node/meter';
import { TeamSync } from '../../src/node/teamSync';
import { startServe } from '../../test/team/serveProcess.mjs';

const { values } = parseArgs({
  options: { dir: { type: 'string', default: path.join(os.tmpdir(), 'agent-meter-bench-s1-mb500-f1500') }, runs: { type: 'string', default: '10' } },
});
const dir = path.resolve(values.dir!);
if (!fs.existsSync(path.join(dir, 'projects'))) {
  console.error(`sync: no corpus at ${dir}; run npm run bench once (it keeps the corpus) or pass --dir`);
  process.exit(2);
}
const runs = Number(values.runs);

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-bench-sync-'));
  const extra = path.join(dir, 'projects', '-bench-sync-appends');
  const db = `sqlite:${path.join(work, 'team.db')}`;
  const server = await startServe(db);
  const url = server.url;
  const meter = new Meter({ roots: [{ agent: 'claude-code', dir: fs.realpathSync(path.join(dir, 'projects')) }], stateDir: path.join(work, 'state'), workers: 0 });
  try {
    const token = server.token('bench', ['--member', 'bench@example.com']);
    const admin = server.token('bench', ['--admin']);
    meter.open();
    await meter.catchUp();
    const requests = meter.ledger.records.size;
    const sync = new TeamSync({
      stateDir: path.join(work, 'state'),
      config: { endpoint: url, token, mode: 'agent-meter', member: 'bench@example.com', machine: 'bench', shareRepo: 'name', shareBranch: 'name', timeZone: 'UTC' },
      prices: new PriceTable(),
      records: () => meter.allRecords(),
      changeStamp: () => meter.changeStamp(),
      clientVersion: 'bench',
    });
    const summaryRequests = async () => {
      const today = new Date().toISOString().slice(0, 10);
      const from = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);
      const r = await fetch(`${url}/v1/team/summary?from=${from}&to=${today}`, { headers: { authorization: `Bearer ${admin}` } });
      return ((await r.json()) as { total: { requests: number } }).total.requests;
    };

    let t = performance.now();
    const first = await sync.syncNow();
    const firstMs = performance.now() - t;
    if (first.outcome?.ok === false) throw new Error(first.outcome.message);

    const idle: number[] = [];
    for (let i = 0; i < runs; i++) {
      t = performance.now();
      await sync.syncNow();
      idle.push(performance.now() - t);
    }

    fs.mkdirSync(extra, { recursive: true });
    const latency: number[] = [];
    const before = await summaryRequests();
    for (let i = 0; i < runs; i++) {
      const id = `bench_sync_${Date.now()}_${i}`;
      t = performance.now();
      fs.appendFileSync(path.join(extra, 'appends.jsonl'), `${assistantLine({ id: `msg_${id}`, requestId: `req_${id}`, sessionId: 'bench-sync', timestamp: new Date().toISOString() })}\n`);
      await meter.catchUp();
      const pass = await sync.syncNow();
      if (pass.outcome?.ok === false) throw new Error(pass.outcome.message);
      latency.push(performance.now() - t);
    }
    const after = await summaryRequests();
    if (after - before !== runs) throw new Error(`the server gained ${after - before} requests, expected ${runs}`);

    console.log(`\nteam sync on ${requests.toLocaleString('en-US')} requests (${path.basename(dir)}), SQLite team server on 127.0.0.1\n`);
    console.log('| what | figure |');
    console.log('|---|---|');
    console.log(`| first sync of the whole history | ${first.sentRows.toLocaleString('en-US')} rows in ${Math.ceil(first.sentRows / 2000)} batch(es), ${(firstMs / 1000).toFixed(2)} s |`);
    console.log(`| a pass with nothing new (every interval) | p50 ${percentile(idle, 50).toFixed(0)} ms, p95 ${percentile(idle, 95).toFixed(0)} ms |`);
    console.log(`| append one request → in the server's summary (read + pass) | p50 ${percentile(latency, 50).toFixed(0)} ms, p95 ${percentile(latency, 95).toFixed(0)} ms |`);
  } finally {
    meter.close();
    server.stop();
    fs.rmSync(extra, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
