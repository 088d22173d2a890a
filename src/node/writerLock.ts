// Exactly one process writes the ledger store at a time (several VS Code windows, a `watch`, statusline calls and
// `report` runs may all be alive). The lock is a file created with O_EXCL holding {pid, host, token}; the holder
// touches it as a heartbeat. A lock is stale when its heartbeat is older than `staleMs`, or its pid is dead on this
// host. Takeover renames the stale file aside and checks it really took the one it judged (never a fresh lock that
// appeared in between); a holder re-checks its token before each write, so a lock lost to a takeover is noticed.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';

interface LockBody {
  pid: number;
  host: string;
  token: string;
  startedAt: string;
}

export const DEFAULT_STALE_MS = 30_000;
const HEARTBEAT_MS = 5_000;

function readBody(file: string): LockBody | undefined {
  try {
    const body = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockBody>;
    if (typeof body.pid === 'number' && typeof body.host === 'string' && typeof body.token === 'string') return body as LockBody;
  } catch {
    // unreadable or half-written: judged by its age alone
  }
  return undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStale(file: string, body: LockBody | undefined, staleMs: number, now: number): boolean {
  let mtimeMs: number;
  try {
    mtimeMs = fs.statSync(file).mtimeMs;
  } catch {
    return false; // gone: not ours to judge, the next create attempt decides
  }
  if (now - mtimeMs > staleMs) return true;
  return body !== undefined && body.host === os.hostname() && body.pid !== process.pid && !pidAlive(body.pid);
}

export class WriterLock {
  private timer: NodeJS.Timeout | undefined;
  private released = false;

  private constructor(
    readonly file: string,
    private readonly token: string,
  ) {
    this.timer = setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Takes the lock if it is free or stale; undefined when another live process holds it. Never waits. */
  static tryAcquire(file: string, staleMs = DEFAULT_STALE_MS): WriterLock | undefined {
    const token = randomUUID();
    const body: LockBody = { pid: process.pid, host: os.hostname(), token, startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, JSON.stringify(body), { flag: 'wx' });
        return new WriterLock(file, token);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const held = readBody(file);
      if (!isStale(file, held, staleMs, Date.now())) return undefined;
      const aside = `${file}.stale-${process.pid}-${token.slice(0, 8)}`;
      try {
        fs.renameSync(file, aside);
      } catch {
        continue; // someone else moved it first: try to create
      }
      const moved = readBody(aside);
      if (held && moved && moved.token !== held.token) {
        // We moved a fresh lock that replaced the stale one after we looked: put it back and stand aside.
        try {
          fs.linkSync(aside, file);
        } catch {
          // a newer lock is already in place; the moved one's holder will notice on its next check
        }
        fs.rmSync(aside, { force: true });
        return undefined;
      }
      fs.rmSync(aside, { force: true });
    }
    return undefined;
  }

  /** True while the lock file still carries our token. Checked before every write. */
  stillHeld(): boolean {
    if (this.released) return false;
    return readBody(this.file)?.token === this.token;
  }

  heartbeat(): void {
    if (this.released) return;
    const now = new Date();
    try {
      fs.utimesSync(this.file, now, now);
    } catch {
      // lost (taken over or deleted): stillHeld() reports it
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.timer) clearInterval(this.timer);
    if (readBody(this.file)?.token === this.token) fs.rmSync(this.file, { force: true });
  }
}
