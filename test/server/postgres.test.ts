// The team server over a real PostgreSQL (a throwaway cluster, test/server/postgres.ts): the API suite, then two
// server instances on one database taking interleaved re-sends, as behind a load balancer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SyncRow } from '../../src/core/teamProtocol';
import { PostgresStore } from '../../src/server/postgresStore';
import { defineApiSuite } from './apiSuite';
import { batch, call, makeToken, row, startStack, webhookReceiver } from './harness';
import { postgresBinDir, startPostgres, type TestPostgres } from './postgres';

// Missing binaries skip the file on a developer's machine; on CI (CI=true) they fail it: setup.sh installs them.
const skip = !postgresBinDir() && process.env['CI'] !== 'true' ? 'PostgreSQL is not installed (run test/server/setup.sh)' : false;

let pg: TestPostgres | undefined;
before(async () => {
  if (!skip) pg = await startPostgres();
});
after(async () => {
  await pg?.stop();
});

describe('PostgreSQL', { skip }, () => {
  defineApiSuite('PostgreSQL', () => PostgresStore.open(pg!.url));

  describe('two instances on one database', () => {
    it('take interleaved, duplicated and out-of-order re-sends and end with exact totals and one alert each', async () => {
      const [storeA, storeB] = [await PostgresStore.open(pg!.url), await PostgresStore.open(pg!.url)];
      const [a, b] = [await startStack(storeA), await startStack(storeB)];
      const hook = await webhookReceiver();
      try {
        const boss = await makeToken(storeA, 'lb', null);
        const members = ['m0', 'm1', 'm2', 'm3', 'm4'];
        const tokens = new Map(await Promise.all(members.map(async (m) => [m, await makeToken(storeB, 'lb', m)] as const)));
        const REVS = 6;
        const costOf = (member: number, key: number, rev: number) => 1_000_003 * (member + 1) + 7_919 * key + 100_000_000 * rev;
        // Every (member, machine, rev) batch holds all ten keys at that revision; each is sent to both instances.
        const requests: { member: string; machine: string; rows: SyncRow[] }[] = [];
        members.forEach((member, mi) => {
          for (const machine of ['mA', 'mB']) {
            for (let rev = 1; rev <= REVS; rev++) {
              const rows = Array.from({ length: 10 }, (_, k) =>
                row(`2026-03-${String(10 + (k % 5)).padStart(2, '0')}`, { model: k < 5 ? 'claude-sonnet-4-5' : 'gpt-5', rev, costNanoUsd: costOf(mi, k, rev) }),
              );
              requests.push({ member, machine, rows }, { member, machine, rows });
            }
          }
        });
        const expected = members.reduce((sum, _, mi) => sum + 2 * Array.from({ length: 10 }, (_, k) => costOf(mi, k, REVS)).reduce((x, y) => x + y, 0), 0);
        await call(a.server.url, 'PUT', '/v1/admin/team', { token: boss, body: { webhookUrl: hook.url } });
        await call(b.server.url, 'PUT', '/v1/admin/budgets', { token: boss, body: { scope: 'team', period: 'monthly', amountUsd: expected / 1e9 } });

        // A fixed shuffle (Fisher–Yates on an LCG), then 16 at a time, alternating instances.
        let seed = 42;
        const order = [...requests];
        for (let i = order.length - 1; i > 0; i--) {
          seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
          const j = seed % (i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        let accepted = 0;
        let stale = 0;
        for (let i = 0; i < order.length; i += 16) {
          const answers = await Promise.all(
            order.slice(i, i + 16).map((r, j) =>
              call((i + j) % 2 ? a.server.url : b.server.url, 'POST', '/v1/usage', { token: tokens.get(r.member)!, body: batch(r.machine, r.rows) }),
            ),
          );
          for (const ans of answers) {
            assert.equal(ans.status, 200, ans.text);
            accepted += ans.json.accepted;
            stale += ans.json.stale;
          }
        }
        assert.equal(accepted + stale, requests.length * 10);
        assert.ok(accepted >= 100 && accepted <= 600, `accepted ${accepted}`);

        for (const server of [a.server, b.server]) {
          const s = await call(server.url, 'GET', '/v1/team/summary?from=2026-03-01&to=2026-03-31', { token: boss });
          assert.equal(s.json.total.costNanoUsd, expected);
          assert.equal(s.json.byMember.length, 5);
          assert.equal(s.json.total.requests, 100);
        }
        await Promise.all([a.server.settled(), b.server.settled()]);
        const levels = hook.received.map((x) => (x as { level: string }).level).sort();
        assert.deepEqual(levels, ['stop', 'throttle', 'warn']);
      } finally {
        await a.server.close();
        await b.server.close();
        await storeA.close();
        await storeB.close();
        await hook.close();
      }
    });
  });
});
