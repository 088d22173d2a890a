// `agent-meter serve` as a user runs it (the real CLI through tsx, its own process): tokens made, listed and revoked
// by the CLI, the start line with the URL, and a clean stop on SIGTERM. Then, in process, a request in flight when
// the server is asked to close still gets its answer.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteStore } from '../../src/server/sqliteStore';
import { batch, call, makeToken, row, startStack } from './harness';

const CLI = path.resolve('src/cli/entry.ts');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-serve-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const env = { ...process.env, TZ: 'UTC', AGENT_METER_HOME: path.join(dir, 'home') };
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', env, timeout: 30_000 });

describe('agent-meter serve', () => {
  it('makes tokens, serves on the port it prints, revokes, and stops cleanly on SIGTERM', async () => {
    const created = cli(['serve', 'token', 'create', '--team', 'acme', '--member', 'ada']);
    assert.equal(created.status, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^amt_[A-Za-z0-9_-]{43}$/);
    // The default database is team.db in the state dir; it keeps the hash, never the token.
    const db = path.join(dir, 'home', 'team.db');
    assert.ok(fs.existsSync(db));
    assert.equal(fs.readFileSync(db).includes(Buffer.from(token)), false);
    assert.equal(cli(['serve', 'token', 'create', '--team', 'acme']).status, 2);
    const adminMade = cli(['serve', 'token', 'create', '--team', 'acme', '--admin']);
    assert.equal(adminMade.status, 0, adminMade.stderr);
    const listed = cli(['serve', 'token', 'list']).stdout.trim().split('\n');
    assert.equal(listed.length, 2);
    assert.match(listed.join('\n'), /^[0-9a-f]{12} {2}acme {2}ada {2}/m);
    assert.match(listed.join('\n'), /^[0-9a-f]{12} {2}acme {2}\(admin\) {2}/m);

    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--time-zone', 'Europe/Paris'], { env });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const check = () => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+) \(db sqlite:.*team\.db, default time zone Europe\/Paris\)/.exec(stderr);
          if (m) resolve(m[1]!);
        };
        child.stderr.on('data', check);
        void exited.then((code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
      });
      const sent = await call(url, 'POST', '/v1/usage', { token, body: batch('laptop', [row('2026-03-01')]) });
      assert.equal(sent.status, 200, sent.text);
      assert.equal(sent.json.timeZone, 'Europe/Paris');

      const id = listed.find((l) => l.includes('  ada  '))!.slice(0, 12);
      assert.equal(cli(['serve', 'token', 'revoke', id]).status, 0);
      assert.equal((await call(url, 'GET', '/v1/budget/status', { token })).status, 401);
      assert.equal(cli(['serve', 'token', 'revoke', id]).status, 1);

      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
      assert.match(stderr, /stopping/);
      assert.equal(stderr.split('\n').filter((l) => l.includes('listening on')).length, 1);
      assert.equal(fs.existsSync(`${db}.lock`), false);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  });

  it('refuses a bad --db, --port or --time-zone with exit code 2', () => {
    assert.equal(cli(['serve', '--db', 'mysql://x']).status, 2);
    assert.equal(cli(['serve', '--port', 'http']).status, 2);
    assert.equal(cli(['serve', '--time-zone', 'Mars/Olympus']).status, 2);
  });
});

describe('closing the server', () => {
  it('answers a request that is in flight, then stops', async () => {
    const store = new SqliteStore(path.join(dir, 'close.db'));
    const stack = await startStack(store);
    try {
      const token = await makeToken(store, 'acme', 'ada');
      const body = Buffer.from(JSON.stringify(batch('m', [row('2026-03-02')])));
      const answer = new Promise<number>((resolve, reject) => {
        const req = http.request(`${stack.server.url}/v1/usage`, {
          method: 'POST',
          agent: false,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(body.length) },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        // Half the body now, the rest once close() has begun.
        req.write(body.subarray(0, 10));
        setTimeout(() => {
          closing = stack.server.close();
          setTimeout(() => req.end(body.subarray(10)), 100);
        }, 100);
      });
      let closing: Promise<void> | undefined;
      assert.equal(await answer, 200);
      await closing;
      await assert.rejects(call(stack.server.url, 'GET', '/healthz'));
    } finally {
      await stack.server.close().catch(() => undefined);
      await store.close();
    }
  });
});
