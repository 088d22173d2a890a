// `agent-meter serve` from dist/ as a child process on 127.0.0.1 for scripts (the VS Code runner, the dashboard
// test, the sync benchmark): started on a random port, ready when /healthz answers (at most 15 s), tokens issued by
// its own CLI. test/team/teamServer.ts is the restartable variant the fault tests use.
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** Starts a team server on `db` (e.g. `sqlite:/tmp/x/team.db`); resolves once it answers. */
export async function startServe(db, { timeZone = 'UTC' } = {}) {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [cli, 'serve', '--port', String(port), '--host', '127.0.0.1', '--db', db, '--time-zone', timeZone], { stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`agent-meter serve exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      if (Date.now() > deadline) throw new Error(`agent-meter serve did not answer on ${url} within 15 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    /** A bearer token: `['--member', NAME]` or `['--admin']`. */
    token(team, who) {
      const out = execFileSync(process.execPath, [cli, 'serve', 'token', 'create', '--team', team, ...who, '--db', db], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const token = /amt_[A-Za-z0-9_-]+/.exec(out)?.[0];
      if (!token) throw new Error(`no token in: ${out}`);
      return token;
    },
    stop() {
      child.kill('SIGTERM');
    },
  };
}

