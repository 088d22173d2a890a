// The team-sync fault scenario, run against one database (SQLite or PostgreSQL; see the *.test.ts files): two
// members with real agent logs sync into the real team server through a proxy that injects 500s, 429 with
// Retry-After, a server slower than the client waits, an answer lost after the server counted (duplicate delivery),
// a request delivered twice, a body limit below our batch size, a wrong token, a clock hours off, and the server
// killed mid-batch and restarted. At the end the team's totals must equal the sum of the members' local totals to
// the nano-dollar, with nothing pending, and no byte that left a machine may carry prompt or log text.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { syncBatchSchema, type TeamSummary } from '../../src/core/teamProtocol';
import type { TeamSync } from '../../src/node/teamSync';
import { FaultProxy } from './faultProxy';
import { Member } from './member';
import { freePort, TeamServer } from './teamServer';

const TEAM = 'acme';

/** Runs passes until nothing is pending (bounded), waiting out each retry delay the client chose. */
async function syncUntilDelivered(sync: TeamSync, maxPasses = 8): Promise<number> {
  for (let pass = 1; pass <= maxPasses; pass++) {
    const r = await sync.syncNow();
    if (r.ran && r.outcome?.ok !== false && r.pendingRows === 0) return pass;
    const wait = sync.status.nextAttemptAt ? Date.parse(sync.status.nextAttemptAt) - Date.now() : 50;
    await new Promise((res) => setTimeout(res, Math.min(Math.max(wait, 0), 3_000)));
  }
  throw new Error(`still not delivered after ${maxPasses} passes: ${JSON.stringify(sync.status)}`);
}

/** Every string value of every fixture line that is prose or output (prompts, answers, tool results), ≥ 12 chars. */
function fixtureTexts(dirs: string[]): string[] {
  const texts = new Set<string>();
  const walk = (v: unknown, key: string) => {
    if (typeof v === 'string') {
      if (v.length >= 12 && /\s/.test(v) && ['text', 'content', 'thinking', 'stdout', 'stderr', 'output', 'message', 'prompt', 'input'].includes(key)) texts.add(v.slice(0, 40));
    } else if (Array.isArray(v)) for (const x of v) walk(x, key);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  const files = dirs.flatMap((d) => fs.readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.jsonl')).map((e) => path.join(e.parentPath, e.name)));
  for (const f of files) {
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      try {
        walk(JSON.parse(line), '');
      } catch {
        // not JSON: nothing to collect
      }
    }
  }
  return [...texts];
}

export interface FaultRunFigures {
  deliveredRequests: number;
  proxyRequests: number;
  /** Sync passes with a 200 answer, and their wall times (ms), for the README's latency figure. */
  passMs: number[];
}

export async function runFaultScenario(db: string, label: string): Promise<FaultRunFigures> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `agent-meter-team-${label}-`));
  const port = await freePort();
  const server = new TeamServer(db, port);
  const proxy = new FaultProxy(server.url);
  const alice = new Member('alice@example.com', root, ['a-multiblock', 'b-retries', 'c-retries-exhausted', 'd-resume-fork'], ['retries-and-failure']);
  const bob = new Member('bob@example.com', root, ['e-subagent', 'f-models', 'g-max-tokens', 'h-compact'], ['tool-loop-resume-fork']);
  const carol = new Member('carol@example.com', root, ['b-retries', 'f-models'], []);
  const passMs: number[] = [];
  try {
    await server.start();
    await proxy.start();
    const tokens = { alice: server.token(TEAM, alice.name), bob: server.token(TEAM, bob.name), admin: server.token(TEAM) };
    await server.put('/v1/admin/budgets', tokens.admin, { scope: 'team', period: 'monthly', amountUsd: 1_000 });
    await alice.catchUp();
    await bob.catchUp();
    const aliceSync = alice.client({ endpoint: proxy.url, token: tokens.alice, team: TEAM });
    // Bob's clock is seven hours behind: revisions are his own business, the server must not care.
    const bobSync = bob.client({ endpoint: proxy.url, token: tokens.bob, team: TEAM }, { now: () => Date.now() - 7 * 3600_000 });

    // 1. A 500 and then a 429 with Retry-After: 1 — kept, retried, and the retry waits at least a second.
    proxy.queue({ kind: 'status', status: 500 }, { kind: 'status', status: 429, retryAfter: '1' });
    const first = await aliceSync.syncNow();
    assert.equal(first.outcome?.ok, false);
    assert.equal(aliceSync.status.state, 'retrying');
    assert.ok(first.pendingRows > 0, 'rows kept after a 500');
    const second = await aliceSync.syncNow();
    assert.equal(second.outcome?.ok === false && second.outcome.status, 429);
    assert.ok(Date.parse(aliceSync.status.nextAttemptAt!) - Date.now() >= 900, 'Retry-After: 1 honoured');
    await syncUntilDelivered(aliceSync);
    assert.equal(alice.outbox().pending, 0);

    // 2. A server slower than the client waits, then an answer lost after the server counted the batch.
    proxy.queue({ kind: 'slow', ms: 3_000 }, { kind: 'drop-after-forward' });
    assert.equal((await bobSync.syncNow()).outcome?.ok, false);
    assert.equal((await bobSync.syncNow()).outcome?.ok, false);
    const t0 = performance.now();
    const delivered = await bobSync.syncNow();
    passMs.push(performance.now() - t0);
    assert.equal(delivered.outcome?.ok, true);
    assert.ok(delivered.stale > 0, 'the re-send after the lost answer was recognised as already there');

    // 3. New work, delivered twice by the network.
    await alice.work(5);
    proxy.queue({ kind: 'duplicate' });
    const dup = await aliceSync.syncNow();
    assert.equal(dup.outcome?.ok, true);

    // 4. The server killed while a batch is in flight, restarted on the same database.
    await bob.work(7);
    proxy.queue({ kind: 'slow', ms: 400 });
    const inFlight = bobSync.syncNow();
    await new Promise((r) => setTimeout(r, 100));
    await server.kill();
    assert.equal((await inFlight).outcome?.ok, false);
    assert.equal((await bobSync.syncNow()).outcome?.ok, false, 'the server is down');
    assert.ok(bob.outbox().pending > 0);
    await server.start();
    await syncUntilDelivered(bobSync);

    // 5. A wrong token: refused, not retried in a hurry, nothing stored; the right one delivers everything.
    const wrong = alice.client({ endpoint: proxy.url, token: 'amt_not-a-real-token', team: TEAM });
    await alice.work(3);
    const refused = await wrong.syncNow();
    assert.equal(refused.outcome?.ok === false && refused.outcome.status, 401);
    assert.equal(refused.outcome?.ok === false && refused.outcome.retryable, false);
    assert.equal(wrong.status.state, 'failed');
    assert.ok(alice.outbox().pending > 0);
    await syncUntilDelivered(aliceSync);

    // 6. A reverse proxy with a 1 KiB body limit: batches are halved until they pass; a full re-send (after a
    //    server lost its data, say) is harmless.
    proxy.standing = { kind: 'body-limit', bytes: 1024 };
    aliceSync.forgetAcknowledgements();
    const limited = await syncUntilDelivered(aliceSync);
    assert.ok(limited >= 1);
    assert.ok(proxy.seen.some((s) => s.outcome === 413), 'the limit was hit');
    proxy.standing = undefined;

    // 7. The client's own timer: two 503s, then delivered without anyone calling syncNow.
    await bob.work(4);
    proxy.queue({ kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    const timed = bob.client({ endpoint: proxy.url, token: tokens.bob, team: TEAM }, { intervalMs: 200, retryBaseMs: 100, now: () => Date.now() - 7 * 3600_000 });
    timed.start();
    // Done when the outbox holds every request of bob's ledger and the server acknowledged all of it.
    const expected = [...bob.meter.allRecords()].length;
    const deadline = Date.now() + 15_000;
    while (!(bob.outbox().requests === expected && bob.outbox().pending === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    timed.stop();
    await timed.idle();
    assert.equal(bob.outbox().requests, expected, JSON.stringify(timed.status));
    assert.equal(bob.outbox().pending, 0);
    assert.equal(timed.status.state, 'ok');
    assert.equal(proxy.seen.filter((r) => r.outcome === 503).length, 2, 'both 503s were met, and retried past');

    // 8. A third member in OTLP mode (gzip'd OTLP/HTTP JSON into the server's /v1/metrics), with a lost answer.
    const carolToken = server.token(TEAM, carol.name);
    await carol.catchUp();
    const carolSync = carol.client({ endpoint: proxy.url, token: carolToken, team: TEAM, mode: 'otlp' });
    proxy.queue({ kind: 'drop-after-forward' });
    assert.equal((await carolSync.syncNow()).outcome?.ok, false);
    await syncUntilDelivered(carolSync);
    assert.ok(proxy.seen.some((r) => r.path === '/v1/metrics' && r.encoding === 'gzip'), 'OTLP went out gzip\'d to /v1/metrics');

    // The end: the team holds exactly the members' local totals, nothing more, nothing less.
    // The server allows a year per summary: the year up to today holds the fixtures (recorded 2026-11) and the new work.
    const today = new Date().toISOString().slice(0, 10);
    const yearAgo = new Date(Date.now() - 365 * 86_400_000).toISOString().slice(0, 10);
    const summary = await server.get<TeamSummary>(`/v1/team/summary?from=${yearAgo}&to=${today}`, tokens.admin);
    const localA = await alice.report();
    const localB = await bob.report();
    const localC = await carol.report();
    const byMember = new Map(summary.byMember.map((g) => [g.key, g]));
    for (const [m, local] of [[alice, localA], [bob, localB], [carol, localC]] as const) {
      const g = byMember.get(m.name);
      assert.ok(g, `${m.name} on the server`);
      assert.equal(g.costNanoUsd, m.outbox().costNanoUsd, `${m.name}: server nanos = outbox nanos`);
      assert.ok(Math.abs(g.costUsd - local.costUsd) < 1e-6, `${m.name}: ${g.costUsd} vs local ${local.costUsd}`);
      assert.equal(g.requests, local.requests, `${m.name}: requests`);
      assert.deepEqual(g.tokens, local.tokens, `${m.name}: tokens`);
    }
    assert.equal(summary.total.costNanoUsd, alice.outbox().costNanoUsd + bob.outbox().costNanoUsd + carol.outbox().costNanoUsd);
    assert.equal(summary.total.requests, localA.requests + localB.requests + localC.requests);
    assert.ok(localA.costUsd > 0 && localB.costUsd > 0 && localC.costUsd > 0);
    assert.equal(summary.byMember.length, 3, 'the wrong token stored nothing');

    // Privacy: every body that left a machine is a strict sync batch (numbers and identifiers only), and none of
    // the logs' prompts, answers or tool output appears in any of them.
    const texts = fixtureTexts([alice.claudeDir, alice.codexDir, bob.claudeDir, bob.codexDir, carol.claudeDir]);
    assert.ok(texts.length > 20, `collected ${texts.length} texts from the logs`);
    const posts = proxy.seen.filter((s) => s.method === 'POST');
    for (const post of posts) {
      const body = post.encoding === 'gzip' ? gunzipSync(post.raw).toString('utf8') : post.body;
      if (post.path === '/v1/usage') assert.ok(syncBatchSchema.safeParse(JSON.parse(body)).success, 'a strict sync batch');
      else assert.equal(post.path, '/v1/metrics');
      for (const t of texts) assert.ok(!body.includes(t), `log text left the machine: ${t}`);
      assert.ok(!body.includes(root) && !body.includes(os.homedir()), 'no local path');
    }
    return { deliveredRequests: summary.total.requests, proxyRequests: proxy.seen.length, passMs };
  } finally {
    alice.close();
    bob.close();
    carol.close();
    await proxy.stop();
    await server.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
