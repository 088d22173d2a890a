// The team server over embedded SQLite (node-sqlite3-wasm) in a temp dir, and the store's recovery of a file lock
// left by a process killed mid-transaction.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteStore } from '../../src/server/sqliteStore';
import { defineApiSuite } from './apiSuite';
import { row } from './harness';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-sqlite-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

defineApiSuite('SQLite', async () => new SqliteStore(path.join(dir, 'team.db')));

describe('SQLite store after a crash', () => {
  it('frees the lock of a process killed mid-transaction and rolls its transaction back', async () => {
    const file = path.join(dir, 'crash.db');
    // A process that opens the store, writes inside a transaction and is killed before it commits.
    const crash = spawnSync(
      process.execPath,
      [
        '--import', 'tsx', '-e',
        `const { SqliteStore } = require('./src/server/sqliteStore');
         const { Database } = require('node-sqlite3-wasm');
         const store = new SqliteStore(process.env.DB_FILE);
         const db = new Database(process.env.DB_FILE);
         db.exec('BEGIN IMMEDIATE');
         db.run("INSERT INTO teams (team) VALUES ('crashed')");
         process.kill(process.pid, 'SIGKILL');`,
      ],
      { env: { ...process.env, DB_FILE: file }, encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(crash.signal, 'SIGKILL', crash.stderr);
    assert.ok(fs.existsSync(`${file}.lock`), 'the killed process left its lock');

    const store = new SqliteStore(file);
    try {
      assert.equal(fs.existsSync(`${file}.lock`), false);
      assert.equal(await store.team('crashed'), undefined);
      const counts = await store.upsertUsage({ team: 't', member: 'm', machine: 'h' }, [row('2026-03-01')], new Date().toISOString());
      assert.deepEqual(counts, { accepted: 1, stale: 0 });
      // Between calls the store holds no lock: `serve token` commands can use the file while the server runs.
      await store.tokenByHash('0'.repeat(64));
      await store.dailySpend('t', 'm', '2026-03-01', '2026-03-31');
      assert.equal(fs.existsSync(`${file}.lock`), false);
      assert.deepEqual(fs.readdirSync(`${file}.pids`).map((n) => n.split('-')[0]), [String(process.pid)]);
    } finally {
      await store.close();
    }
    assert.deepEqual(fs.readdirSync(`${file}.pids`), []);
  });
});
