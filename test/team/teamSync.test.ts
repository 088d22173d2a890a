// Two members, real agent logs, the real team server (a child process) over SQLite and over a real PostgreSQL,
// through the fault proxy: team totals must end exactly equal to the sum of the members' local totals.
// Needs dist/ (npm run build) and, for PostgreSQL, Debian's binaries (test/server/setup.sh).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { postgresBinDir, startPostgres, type TestPostgres } from '../server/postgres';
import { runFaultScenario } from './teamSyncFaults';

const skipPg = !postgresBinDir() && process.env['CI'] !== 'true' ? 'PostgreSQL is not installed (run test/server/setup.sh)' : false;
const dirs: string[] = [];
let pg: TestPostgres | undefined;

after(async () => {
  await pg?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('team sync through faults', { timeout: 180_000 }, () => {
  it('SQLite: two JSON members and one OTLP member through 500 / 429 / slow / lost answer / duplicate / kill -9 / wrong token / body limit → exact totals', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-team-sqlite-'));
    dirs.push(dir);
    const figures = await runFaultScenario(`sqlite:${path.join(dir, 'team.db')}`, 'sqlite');
    assert.ok(figures.deliveredRequests > 0);
    console.log(`sqlite: ${figures.deliveredRequests} requests delivered through ${figures.proxyRequests} HTTP requests; sync pass ${figures.passMs.map((m) => m.toFixed(0)).join(', ')} ms`);
  });

  it('PostgreSQL: the same faults → exact totals', { skip: skipPg }, async () => {
    pg = await startPostgres({ database: 'agent_meter_team_sync' });
    const figures = await runFaultScenario(pg.url, 'postgres');
    assert.ok(figures.deliveredRequests > 0);
    console.log(`postgres: ${figures.deliveredRequests} requests delivered through ${figures.proxyRequests} HTTP requests; sync pass ${figures.passMs.map((m) => m.toFixed(0)).join(', ')} ms`);
  });
});
