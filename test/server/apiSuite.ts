// The team server's HTTP API over one store, run against SQLite (sqlite.test.ts) and PostgreSQL (postgres.test.ts):
// idempotent ingest with exact integer totals, budgets and levels, deduped alerts, the OTLP route, and every refusal.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as vm from 'node:vm';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { budgetStatusSchema, syncResponseSchema, teamSummarySchema, type SyncRow } from '../../src/core/teamProtocol';
import { encodeOtlpRows } from '../../src/node/otlpExport';
import type { Store } from '../../src/server/store';
import { batch, call, makeToken, row, startStack, webhookReceiver, type Stack } from './harness';

/** `open` gives a fresh, empty store; `teardown` runs after the store is closed. */
export function defineApiSuite(name: string, open: () => Promise<Store>): void {
  describe(`team server API (${name})`, () => {
    let store: Store;
    let stack: Stack;
    let base: string;
    let admin: string;
    let ada: string;
    let bob: string;

    before(async () => {
      store = await open();
      stack = await startStack(store);
      base = stack.server.url;
      admin = await makeToken(store, 'acme', null);
      ada = await makeToken(store, 'acme', 'ada');
      bob = await makeToken(store, 'acme', 'bob');
    });
    after(async () => {
      await stack.server.close();
      await store.close();
    });

    const summary = async (token: string, query = '') => {
      const res = await call(base, 'GET', `/v1/team/summary${query}`, { token });
      assert.equal(res.status, 200, res.text);
      return teamSummarySchema.parse(res.json);
    };

    it('answers /healthz without a token', async () => {
      const res = await call(base, 'GET', '/healthz');
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { ok: true, db: store.kind });
    });

    it('stores a batch once: a re-send is all stale and changes no total', async () => {
      const rows = [row('2026-03-16', { rev: 10, costNanoUsd: 1_234_567_891 }), row('2026-03-17', { rev: 10, model: 'gpt-5-codex', agent: 'codex' })];
      const first = await call(base, 'POST', '/v1/usage', { token: ada, body: batch('laptop', rows) });
      assert.equal(first.status, 200, first.text);
      const answer = syncResponseSchema.parse(first.json);
      assert.deepEqual([answer.accepted, answer.stale, answer.timeZone], [2, 0, 'Europe/Paris']);
      assert.equal(answer.status.member.id, 'ada');
      const before = await summary(ada);
      const again = await call(base, 'POST', '/v1/usage', { token: ada, body: batch('laptop', rows) });
      assert.deepEqual([again.json.accepted, again.json.stale], [0, 2]);
      assert.deepEqual(await summary(ada), before);
      assert.equal(before.total.costNanoUsd, 2_234_567_891);
    });

    it('stores rows under the token\'s identity, whatever the body claims, and logs the claim once', async () => {
      const [ivy] = [await makeToken(store, 'claims', 'ivy')];
      for (const rev of [1, 2]) {
        const body = { ...batch('m', [row('2026-03-03', { rev })], 'mallory'), team: 'other' };
        assert.equal((await call(base, 'POST', '/v1/usage', { token: ivy, body })).json.accepted, 1);
      }
      assert.deepEqual((await summary(ivy)).byMember.map((g) => g.key), ['ivy']);
      assert.equal(stack.logs.filter((l) => l.includes('"mallory"')).length, 1);
      assert.equal(stack.logs.filter((l) => l.includes('team "other"')).length, 1);
    });

    it('keeps the highest revision: a lower one is stale, a higher one replaces (never adds)', async () => {
      const key = { model: 'claude-opus-4-1', repo: 'rev-test' };
      const send = (rev: number, costNanoUsd: number) =>
        call(base, 'POST', '/v1/usage', { token: bob, body: batch('desk', [row('2026-03-05', { ...key, rev, costNanoUsd })]) });
      assert.equal((await send(100, 5_000_000_000)).json.accepted, 1);
      const lower = await send(99, 1);
      assert.deepEqual([lower.json.accepted, lower.json.stale], [0, 1]);
      const same = await send(100, 7);
      assert.deepEqual([same.json.accepted, same.json.stale], [0, 1]);
      const repo = async () => (await summary(bob)).byRepo.find((g) => g.key === 'rev-test')!;
      assert.equal((await repo()).costNanoUsd, 5_000_000_000);
      assert.equal((await send(101, 6_000_000_001)).json.accepted, 1);
      assert.equal((await repo()).costNanoUsd, 6_000_000_001);
      // The same key twice in one batch: the higher revision is the one stored, the other counts as stale.
      const dup = await call(base, 'POST', '/v1/usage', {
        token: bob,
        body: batch('desk', [row('2026-03-05', { ...key, rev: 103, costNanoUsd: 9 }), row('2026-03-05', { ...key, rev: 102, costNanoUsd: 8 })]),
      });
      assert.deepEqual([dup.json.accepted, dup.json.stale], [1, 1]);
      assert.equal((await repo()).costNanoUsd, 9);
      // The team's running per-day totals (kept by a trigger) followed every replacement, down as well as up.
      const status = budgetStatusSchema.parse((await call(base, 'GET', '/v1/budget/status', { token: bob })).json);
      const month = status.team.periods.find((p) => p.period === 'monthly')!;
      assert.equal(month.spentNanoUsd, (await summary(bob)).total.costNanoUsd);
    });

    it('sums two members on two machines each to the exact nano-dollar, grouped and sorted', async () => {
      // A team of its own, so the earlier tests' rows do not count.
      const [carol, dan] = [await makeToken(store, 'sums', 'carol'), await makeToken(store, 'sums', 'dan')];
      const sent: { member: string; r: SyncRow }[] = [];
      let n = 0;
      for (const [member, token] of [['carol', carol], ['dan', dan]] as const) {
        for (const machine of ['m1', 'm2']) {
          const rows = ['2026-03-02', '2026-03-09', '2026-03-17'].flatMap((day, d) =>
            ['claude-sonnet-4-5', 'gpt-5-codex'].map((model, k) => {
              n++;
              return row(day, {
                model,
                agent: k === 0 ? 'claude-code' : 'codex',
                repo: d === 2 ? '' : `repo-${d}`,
                rev: 1000 + n,
                costNanoUsd: 333_333_333 * n + (member === 'dan' ? 7 : 0),
                requests: n,
                tokens: { input: n * 1000, output: n, cacheRead: 3 * n, cacheWrite5m: 1, cacheWrite1h: 2 },
              });
            }),
          );
          sent.push(...rows.map((r) => ({ member, r })));
          const res = await call(base, 'POST', '/v1/usage', { token, body: batch(machine, rows, member) });
          assert.equal(res.json.accepted, rows.length, res.text);
        }
      }
      const s = await summary(carol, '?from=2026-03-01&to=2026-03-31');
      const want = (pick: (x: { member: string; r: SyncRow }) => string) => {
        const m = new Map<string, number>();
        for (const x of sent) m.set(pick(x), (m.get(pick(x)) ?? 0) + x.r.costNanoUsd);
        return m;
      };
      assert.equal(s.total.costNanoUsd, sent.reduce((a, x) => a + x.r.costNanoUsd, 0));
      assert.equal(s.total.requests, sent.reduce((a, x) => a + x.r.requests, 0));
      assert.equal(s.total.tokens.input, sent.reduce((a, x) => a + x.r.tokens.input, 0));
      for (const [groups, pick] of [
        [s.byMember, (x: { member: string }) => x.member],
        [s.byRepo, (x: { r: SyncRow }) => x.r.repo],
        [s.byModel, (x: { r: SyncRow }) => x.r.model],
        [s.byDay, (x: { r: SyncRow }) => x.r.day],
      ] as const) {
        assert.deepEqual(new Map(groups.map((g) => [g.key, g.costNanoUsd])), want(pick as (x: { member: string; r: SyncRow }) => string));
      }
      for (const groups of [s.byMember, s.byRepo, s.byModel]) {
        assert.deepEqual(groups.map((g) => g.costNanoUsd), groups.map((g) => g.costNanoUsd).sort((a, b) => b - a));
      }
      assert.deepEqual(s.byDay.map((g) => g.key), ['2026-03-02', '2026-03-09', '2026-03-17']);
      assert.equal(s.byMember[0]!.key, 'dan');
      assert.equal(s.total.costUsd, s.total.costNanoUsd / 1e9);
      // The default range is this month in the team's zone; a range without rows is empty, not an error.
      const month = await summary(dan);
      assert.deepEqual([month.from, month.to, month.timeZone], ['2026-03-01', '2026-03-31', 'Europe/Paris']);
      assert.equal(month.total.costNanoUsd, s.total.costNanoUsd);
      const status = budgetStatusSchema.parse((await call(base, 'GET', '/v1/budget/status', { token: dan })).json);
      assert.equal(status.team.periods.find((p) => p.period === 'monthly')!.spentNanoUsd, s.total.costNanoUsd);
      assert.equal(
        status.member.periods.find((p) => p.period === 'monthly')!.spentNanoUsd,
        s.byMember.find((g) => g.key === 'dan')!.costNanoUsd,
      );
      const empty = await summary(dan, '?from=2025-01-01&to=2025-01-31');
      assert.deepEqual([empty.total.costNanoUsd, empty.byMember.length], [0, 0]);
    });

    it('reports budget levels per period for the member and the team, in the team zone', async () => {
      const [eve, boss] = [await makeToken(store, 'budgets', 'eve'), await makeToken(store, 'budgets', null)];
      const put = (body: unknown) => call(base, 'PUT', '/v1/admin/budgets', { token: boss, body });
      assert.equal((await put({ scope: 'team', period: 'monthly', amountUsd: 100 })).status, 200);
      assert.equal((await put({ scope: 'member', member: 'eve', period: 'daily', amountUsd: 10 })).status, 200);
      assert.equal((await put({ scope: 'member', member: 'eve', period: 'weekly', amountUsd: 1 })).status, 200);
      assert.equal((await put({ scope: 'member', member: 'eve', period: 'weekly', amountUsd: null })).status, 200);
      const listed = await call(base, 'GET', '/v1/admin/budgets', { token: boss });
      assert.deepEqual(listed.json.budgets, [
        { scope: 'team', period: 'monthly', amountUsd: 100 },
        { scope: 'member', member: 'eve', period: 'daily', amountUsd: 10 },
      ]);
      const team = await call(base, 'PUT', '/v1/admin/team', { token: boss, body: { warnPercent: 50, throttlePercent: 80 } });
      assert.deepEqual(team.json, { team: 'budgets', timeZone: 'Europe/Paris', warnPercent: 50, throttlePercent: 80, stopPercent: 100, webhookUrl: null });
      // Today (in Paris) $8.50 of $10: throttle; this month $60 of the team's $100: warn.
      const rows = [row('2026-03-18', { rev: 1, costNanoUsd: 8_500_000_000 }), row('2026-03-02', { rev: 1, costNanoUsd: 51_500_000_000 })];
      const sync = syncResponseSchema.parse((await call(base, 'POST', '/v1/usage', { token: eve, body: batch('m', rows) })).json);
      const byPeriod = (e: typeof sync.status.member) => Object.fromEntries(e.periods.map((p) => [p.period, p]));
      const member = byPeriod(sync.status.member);
      assert.equal(member['daily']!.level, 'throttle');
      assert.equal(member['daily']!.percent, 85);
      assert.equal(member['daily']!.resetAt, '2026-03-18T23:00:00.000Z');
      assert.equal(member['weekly']!.level, 'none');
      assert.equal(sync.status.member.level, 'throttle');
      assert.equal(byPeriod(sync.status.team)['monthly']!.level, 'warn');
      assert.equal(byPeriod(sync.status.team)['monthly']!.spentNanoUsd, 60_000_000_000);
      assert.equal(byPeriod(sync.status.team)['monthly']!.resetAt, '2026-03-31T22:00:00.000Z');
      assert.deepEqual(sync.status.thresholds, { warnPercent: 50, throttlePercent: 80, stopPercent: 100 });
      const status = budgetStatusSchema.parse((await call(base, 'GET', '/v1/budget/status', { token: eve })).json);
      assert.deepEqual(status.member, sync.status.member);
      // An admin may ask about any member; a member only about itself.
      const asAdmin = await call(base, 'GET', '/v1/budget/status?member=eve', { token: boss });
      assert.deepEqual(asAdmin.json.member, sync.status.member);
      assert.equal((await call(base, 'GET', '/v1/budget/status?member=zed', { token: eve })).status, 403);
      // Thresholds must rise; zones must exist; webhooks must be http(s).
      for (const body of [{ warnPercent: 95 }, { timeZone: 'Mars/Olympus' }, { webhookUrl: 'ftp://example.com/x' }]) {
        assert.equal((await call(base, 'PUT', '/v1/admin/team', { token: boss, body })).status, 400, JSON.stringify(body));
      }
      // A field left out keeps its value.
      const moved = await call(base, 'PUT', '/v1/admin/team', { token: boss, body: { timeZone: 'America/New_York', webhookUrl: null } });
      assert.deepEqual(moved.json, { team: 'budgets', timeZone: 'America/New_York', warnPercent: 50, throttlePercent: 80, stopPercent: 100, webhookUrl: null });
      assert.deepEqual((await call(base, 'GET', '/v1/admin/team', { token: boss })).json, moved.json);
    });

    it('POSTs each crossed threshold to the webhook once, however often it is crossed again', async () => {
      const hook = await webhookReceiver();
      try {
        const [fay, boss] = [await makeToken(store, 'alerts', 'fay'), await makeToken(store, 'alerts', null)];
        await call(base, 'PUT', '/v1/admin/team', { token: boss, body: { webhookUrl: hook.url } });
        await call(base, 'PUT', '/v1/admin/budgets', { token: boss, body: { scope: 'member', member: 'fay', period: 'monthly', amountUsd: 10 } });
        const spend = async (rev: number, usd: number) => {
          const res = await call(base, 'POST', '/v1/usage', { token: fay, body: batch('m', [row('2026-03-10', { rev, costNanoUsd: usd * 1e9 })]) });
          assert.equal(res.json.accepted, 1, res.text);
          await stack.server.settled();
        };
        await spend(1, 7.5); // warn (70%)
        await spend(2, 8); // still warn: nothing new
        await spend(3, 8.5); // and again
        const levels = () => hook.received.map((a) => `${(a as { event: string }).event}:${(a as { level: string }).level}`);
        assert.deepEqual(levels(), ['threshold_crossed:warn']);
        await spend(4, 12); // throttle and stop at once
        assert.deepEqual(levels(), ['threshold_crossed:warn', 'threshold_crossed:throttle', 'budget_crossed:stop']);
        await spend(5, 13);
        assert.equal(hook.received.length, 3);
        assert.deepEqual(hook.received[2], {
          event: 'budget_crossed',
          team: 'alerts',
          member: 'fay',
          scope: 'member',
          period: 'monthly',
          periodStart: '2026-03-01',
          thresholdPercent: 100,
          level: 'stop',
          spentUsd: 12,
          limitUsd: 10,
          at: '2026-03-18T12:00:00.000Z',
        });
      } finally {
        await hook.close();
      }
    });

    it('takes OTLP/HTTP JSON metrics (also gzipped) into the same rows, idempotently', async () => {
      const [gus, boss] = [await makeToken(store, 'otlp', 'gus'), await makeToken(store, 'otlp', null)];
      const rows = [row('2026-03-11', { costNanoUsd: 2_500_000_001, requests: 4, unpricedRequests: 1 }), row('2026-03-12', { model: 'gpt-5', agent: 'codex', repo: '' })];
      const body = Buffer.from(await encodeOtlpRows({ identity: { member: 'gus', machine: 'box' }, timeZone: 'Europe/Paris', rows, clientVersion: 'test' }));
      const first = await call(base, 'POST', '/v1/metrics', { token: gus, body });
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(first.json, {});
      const s = await summary(gus);
      assert.equal(s.total.costNanoUsd, 3_500_000_001);
      assert.equal(s.total.requests, 5);
      assert.deepEqual(s.byMember.map((g) => g.key), ['gus']);
      const gz = await call(base, 'POST', '/v1/metrics', { token: gus, body: gzipSync(body), headers: { 'content-encoding': 'gzip' } });
      assert.equal(gz.status, 200, gz.text);
      assert.deepEqual(await summary(gus), s);
      // An admin token's rows go to the member the resource names.
      const other = Buffer.from(await encodeOtlpRows({ identity: { member: 'hal', machine: 'box' }, timeZone: 'UTC', rows: [row('2026-03-13', { costNanoUsd: 1 })], clientVersion: 'test' }));
      assert.equal((await call(base, 'POST', '/v1/metrics', { token: boss, body: other })).status, 200);
      assert.deepEqual((await summary(gus)).byMember.map((g) => g.key), ['gus', 'hal']);
      // Points of metrics we do not store are counted as rejected (OTLP partial success).
      const foreign = {
        resourceMetrics: [
          {
            resource: { attributes: [{ key: 'user.email', value: { stringValue: 'gus' } }, { key: 'host.name', value: { stringValue: 'box' } }] },
            scopeMetrics: [{ metrics: [{ name: 'claude_code.cost.usage', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asDouble: 1, timeUnixNano: '1' }] } }] }],
          },
        ],
      };
      const partial = await call(base, 'POST', '/v1/metrics', { token: gus, body: foreign });
      assert.equal(partial.status, 200, partial.text);
      assert.equal(partial.json.partialSuccess.rejectedDataPoints, 1);
      assert.equal((await call(base, 'POST', '/v1/metrics', { token: gus, body: '{"resourceMetrics": 5' })).status, 400);
      assert.equal((await call(base, 'POST', '/v1/metrics', { token: gus, body: { resourceMetrics: 5 } })).status, 400);
      assert.equal((await call(base, 'POST', '/v1/metrics', { token: gus, body, headers: { 'content-type': 'application/x-protobuf' } })).status, 415);
    });

    it('refuses what it must: 401, 403, 400, 404, 405, 413', async () => {
      const good = batch('m', [row('2026-03-01')]);
      const noToken = await call(base, 'POST', '/v1/usage', { body: good });
      assert.equal(noToken.status, 401);
      assert.equal(noToken.json.error.code, 'unauthorized');
      assert.equal(noToken.headers['www-authenticate'], 'Bearer');
      assert.equal((await call(base, 'POST', '/v1/usage', { token: 'amt_' + 'x'.repeat(43), body: good })).status, 401);
      assert.equal((await call(base, 'GET', '/v1/team/summary', { headers: { authorization: 'Basic Zm9vOmJhcg==' } })).status, 401);
      const forbidden = await call(base, 'PUT', '/v1/admin/budgets', { token: ada, body: { scope: 'team', period: 'daily', amountUsd: 1 } });
      assert.equal(forbidden.status, 403);
      assert.equal((await call(base, 'GET', '/v1/admin/team', { token: ada })).status, 403);

      const badJson = await call(base, 'POST', '/v1/usage', { token: ada, body: '{"schema":1,' });
      assert.deepEqual([badJson.status, badJson.json.error.code], [400, 'bad_json']);
      const badDay = await call(base, 'POST', '/v1/usage', { token: ada, body: batch('m', [row('18/03/2026')]) });
      assert.equal(badDay.status, 400);
      assert.match(badDay.json.error.message, /^rows\.0\.day: /);
      const negative = await call(base, 'POST', '/v1/usage', { token: ada, body: batch('m', [row('2026-03-01', { costNanoUsd: -1 })]) });
      assert.match(negative.json.error.message, /^rows\.0\.costNanoUsd: /);
      const extra = await call(base, 'POST', '/v1/usage', { token: ada, body: { ...good, prompt: 'secret' } });
      assert.equal(extra.status, 400);
      assert.equal((await call(base, 'POST', '/v1/usage', { token: admin, body: good })).json.error.code, 'member_required');
      assert.equal((await call(base, 'GET', '/v1/team/summary?from=2026-03-10&to=2026-03-01', { token: ada })).status, 400);
      assert.equal((await call(base, 'GET', '/v1/team/summary?from=2020-01-01&to=2026-03-01', { token: ada })).status, 400);
      assert.equal((await call(base, 'GET', '/v1/team/summary?from=yesterday', { token: ada })).status, 400);
      assert.equal((await call(base, 'PUT', '/v1/admin/budgets', { token: admin, body: { scope: 'member', period: 'daily', amountUsd: 1 } })).status, 400);
      assert.equal((await call(base, 'POST', '/v1/usage', { token: ada, body: good, headers: { 'content-encoding': 'br' } })).status, 415);
      assert.equal((await call(base, 'POST', '/v1/usage', { token: ada, body: Buffer.from('not gzip'), headers: { 'content-encoding': 'gzip' } })).status, 400);

      const missing = await call(base, 'GET', '/v2/nothing', { token: ada });
      assert.deepEqual([missing.status, missing.json.error.code], [404, 'not_found']);
      const wrong = await call(base, 'GET', '/v1/usage', { token: ada });
      assert.equal(wrong.status, 405);
      assert.equal(wrong.headers['allow'], 'POST');

      // Declared too large: refused before reading.
      const big = Buffer.alloc(1024 * 1024 + 1, 0x20);
      const declared = await call(base, 'POST', '/v1/usage', { token: ada, body: big });
      assert.deepEqual([declared.status, declared.json.error.code], [413, 'too_large']);
      // Streamed without a length: refused as soon as it passes the limit, without reading the rest.
      const streamed = await streamUntilAnswered(`${base}/v1/usage`, ada, 8 * 1024 * 1024);
      assert.equal(streamed.status, 413);
      assert.ok(streamed.sentBytes < 8 * 1024 * 1024, `sent ${streamed.sentBytes} bytes`);
      // A gzip body that inflates past the limit.
      const bomb = await call(base, 'POST', '/v1/usage', { token: ada, body: gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20)), headers: { 'content-encoding': 'gzip' } });
      assert.equal(bomb.status, 413);
      // The server is still fine.
      assert.equal((await call(base, 'GET', '/healthz')).status, 200);
    });

    it('rate-limits each token on its own, with Retry-After', async () => {
      const limited = await startStack(store, { rateLimit: { ratePerSecond: 1, burst: 3 } });
      try {
        const statuses = [];
        for (let i = 0; i < 4; i++) statuses.push(await call(limited.server.url, 'GET', '/v1/budget/status', { token: ada }));
        assert.deepEqual(statuses.map((s) => s.status), [200, 200, 200, 429]);
        assert.equal(statuses[3]!.headers['retry-after'], '1');
        assert.equal(statuses[3]!.json.error.code, 'rate_limited');
        assert.equal((await call(limited.server.url, 'GET', '/v1/budget/status', { token: bob })).status, 200);
      } finally {
        await limited.server.close();
      }
    });

    it('serves the dashboard under a strict CSP, script and style from itself', async () => {
      const page = await call(base, 'GET', '/');
      assert.equal(page.status, 200);
      assert.match(page.headers['content-type'] ?? '', /^text\/html/);
      const csp = String(page.headers['content-security-policy']);
      for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"]) assert.ok(csp.includes(directive), csp);
      assert.match(page.text, /<script src="\/dashboard\.js" defer><\/script>/);
      assert.doesNotMatch(page.text, /<script>|<style>| style=|https?:\/\//);
      const js = await call(base, 'GET', '/dashboard.js');
      assert.match(js.headers['content-type'] ?? '', /^text\/javascript/);
      assert.doesNotThrow(() => new vm.Script(js.text));
      assert.doesNotMatch(js.text, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
      assert.match((await call(base, 'GET', '/dashboard.css')).text, /prefers-color-scheme: dark/);
    });

    it('logs no body and no token', () => {
      const all = stack.logs.join('\n');
      assert.doesNotMatch(all, /amt_|secret|costNanoUsd/);
    });
  });
}

/** POSTs an endless chunked body until the server answers; how much went out by then. */
function streamUntilAnswered(url: string, token: string, maxBytes: number): Promise<{ status: number; sentBytes: number }> {
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const req = http.request(url, { method: 'POST', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      answered = true;
      res.resume();
      resolve({ status: res.statusCode ?? 0, sentBytes });
    });
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (!answered && sentBytes < maxBytes) {
        sentBytes += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}
