// A throwaway PostgreSQL for the team server's tests and benchmark: initdb into a temp dir, pg_ctl start on a free
// port (TCP on 127.0.0.1 only, its unix socket in the temp dir, trust auth), one database; stop and delete at the
// end. Run as the `postgres` OS user when we are root (PostgreSQL refuses to run as root). The binaries are Debian's
// (/usr/lib/postgresql/<version>/bin; test/server/setup.sh installs them on CI when missing).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:PORT/DB */
  url: string;
  /** The server's log, for a failing test's message. */
  logFile: string;
  stop(): Promise<void>;
}

/** The newest /usr/lib/postgresql/<version>/bin that has initdb, or undefined. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest === undefined ? undefined : path.join(root, newest, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A PostgreSQL binary's command line, as the postgres user when we are root. */
function pgCommand(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

function runPg(bin: string, args: string[]): void {
  const r = spawnSync(...pgCommand(bin, args), { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${path.basename(bin)} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || String(r.error)).trim()}`);
}

/**
 * Starts a fresh cluster and creates database `database`. `durable: false` (tests) turns fsync off; the benchmark
 * keeps PostgreSQL's defaults.
 */
export async function startPostgres(options: { database?: string; durable?: boolean } = {}): Promise<TestPostgres> {
  const database = options.database ?? 'agent_meter_test';
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`not a plain database name: ${database}`);
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); run test/server/setup.sh');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-pg-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, uid, gid);
  }
  const port = await freePort();
  const tuning = options.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  let started = false;
  const stopSync = () => {
    if (started) spawnSync(...pgCommand(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']), { timeout: 30_000 });
    started = false;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // A test run that is killed must not leave a server behind.
  process.once('exit', stopSync);
  try {
    runPg(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    runPg(path.join(bin, 'pg_ctl'), [
      '-D', data, '-l', logFile, '-w', '-t', '30', '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c max_connections=200${tuning}`,
      'start',
    ]);
    started = true;
    const admin = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${database}`);
    } finally {
      await admin.end();
    }
    return {
      url: `postgres://postgres@127.0.0.1:${port}/${database}`,
      logFile,
      stop: async () => {
        stopSync();
        process.off('exit', stopSync);
      },
    };
  } catch (err) {
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
    stopSync();
    process.off('exit', stopSync);
    throw new Error(`${err instanceof Error ? err.message : String(err)}${log ? `\n${log}` : ''}`);
  }
}
