// The real team server as the fault tests use it: `agent-meter serve` from dist/ in a child process (so it can be
// killed mid-batch and restarted on the same database), tokens issued by `agent-meter serve token create`.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

const CLI = path.resolve('dist/cli.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export class TeamServer {
  private child: ChildProcess | undefined;
  readonly url: string;
  output = '';

  constructor(
    readonly db: string,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv = {},
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts the server and waits (at most 15 s) until /healthz answers. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', String(this.port), '--host', '127.0.0.1', '--db', this.db, '--time-zone', 'UTC'], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the team server exited (${child.exitCode}):\n${this.output}`);
      try {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the team server did not come up within 15 s:\n${this.output}`);
  }

  /** SIGKILL: no graceful anything, like a crash or an OOM kill. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** Issues a bearer token (member, or admin when member is undefined). */
  token(team: string, member?: string): string {
    const who = member === undefined ? ['--admin'] : ['--member', member];
    const out = execFileSync(process.execPath, [CLI, 'serve', 'token', 'create', '--team', team, ...who, '--db', this.db], {
      env: { ...process.env, ...this.env },
      encoding: 'utf8',
      timeout: 15_000,
    });
    const token = /amt_[A-Za-z0-9_-]+/.exec(out)?.[0];
    if (!token) throw new Error(`no token in: ${out}`);
    return token;
  }

  async get<T>(pathname: string, token: string): Promise<T> {
    const res = await fetch(`${this.url}${pathname}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`GET ${pathname}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  async put(pathname: string, token: string, body: unknown): Promise<void> {
    const res = await fetch(`${this.url}${pathname}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`PUT ${pathname}: HTTP ${res.status} ${await res.text()}`);
  }
}
