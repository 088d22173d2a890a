// One team member's machine for the team-sync tests: real Claude Code and Codex logs (the real-CLI fixtures) in
// their own folders, a persistent ledger in their own state dir, the real sync client over it, and the member's
// local truth from `agent-meter report --json` (the same CLI a user runs).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { assistantLine } from '../helpers/logLines';
import { PriceTable } from '../../src/core/pricing';
import { Meter } from '../../src/node/meter';
import { outboxPath, TeamSync, type TeamSyncConfig, type TeamSyncOptions } from '../../src/node/teamSync';
import { sourceRoots } from '../../src/node/sourcePaths';

const run = promisify(execFile);
const FIXTURES = path.resolve('test/fixtures');

export interface LocalTotals {
  costUsd: number;
  requests: number;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite5m: number; cacheWrite1h: number };
}

export class Member {
  readonly claudeDir: string;
  readonly codexDir: string;
  readonly stateDir: string;
  readonly meter: Meter;
  private appended = 0;

  constructor(
    readonly name: string,
    root: string,
    claudeScenarios: string[],
    codexScenarios: string[],
  ) {
    this.claudeDir = path.join(root, name, 'claude');
    this.codexDir = path.join(root, name, 'codex');
    this.stateDir = path.join(root, name, 'state');
    for (const s of claudeScenarios) fs.cpSync(path.join(FIXTURES, 'claude-real', s, 'projects'), path.join(this.claudeDir, 'projects'), { recursive: true });
    for (const s of codexScenarios) fs.cpSync(path.join(FIXTURES, 'codex-real', s, 'sessions'), path.join(this.codexDir, 'sessions'), { recursive: true });
    for (const d of [this.stateDir, path.join(this.claudeDir, 'projects'), path.join(this.codexDir, 'sessions')]) fs.mkdirSync(d, { recursive: true });
    this.meter = new Meter({ roots: sourceRoots({ claudeDirs: [this.claudeDir], codexDirs: [this.codexDir] }), stateDir: this.stateDir, workers: 0 });
    this.meter.open();
  }

  /** The sync client over this member's ledger, as the extension and `agent-meter sync` build it. */
  client(config: Omit<TeamSyncConfig, 'member' | 'machine' | 'shareRepo' | 'shareBranch' | 'timeZone' | 'mode'> & Partial<TeamSyncConfig>, extra: Partial<TeamSyncOptions> = {}): TeamSync {
    return new TeamSync({
      stateDir: this.stateDir,
      config: { member: this.name, machine: `${this.name}-laptop`, mode: 'agent-meter', shareRepo: 'name', shareBranch: 'name', timeZone: 'UTC', ...config },
      prices: new PriceTable(),
      records: () => this.meter.allRecords(),
      changeStamp: () => this.meter.changeStamp(),
      clientVersion: 'test',
      timeoutMs: 2_000,
      retryBaseMs: 50,
      retryMaxMs: 2_000,
      ...extra,
    });
  }

  /** Appends `n` new billed requests (a new session file, as Claude Code would write it) and reads them. */
  async work(n: number): Promise<void> {
    const dir = path.join(this.claudeDir, 'projects', '-home-dev-team-work');
    fs.mkdirSync(dir, { recursive: true });
    const session = `${this.name}-session-${this.appended}`;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = `${this.name}_${this.appended}_${i}`;
      lines.push(assistantLine({ id: `msg_${id}`, requestId: `req_${id}`, sessionId: session, timestamp: new Date(Date.now() - (n - i) * 1000).toISOString() }));
    }
    fs.appendFileSync(path.join(dir, `${session}.jsonl`), `${lines.join('\n')}\n`);
    this.appended++;
    await this.meter.catchUp();
  }

  async catchUp(): Promise<void> {
    await this.meter.catchUp();
  }

  /** What this member's outbox says the server should hold, in nano-dollars (and requests). */
  outbox(): { costNanoUsd: number; requests: number; pending: number } {
    const body = JSON.parse(fs.readFileSync(outboxPath(this.stateDir), 'utf8')) as { rows: { row: { costNanoUsd: number; requests: number; rev: number }; ackedRev: number }[] };
    let costNanoUsd = 0;
    let requests = 0;
    let pending = 0;
    for (const r of body.rows) {
      costNanoUsd += r.row.costNanoUsd;
      requests += r.row.requests;
      if (r.row.rev > r.ackedRev) pending++;
    }
    return { costNanoUsd, requests, pending };
  }

  /** The member's own totals, from `agent-meter report --json` over the same logs and ledger. */
  async report(): Promise<LocalTotals> {
    const { stdout } = await run(process.execPath, ['dist/cli.js', 'report', '--json', '--claude-dir', this.claudeDir, '--codex-dir', this.codexDir, '--state-dir', this.stateDir, '--timezone', 'UTC'], {
      timeout: 30_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return (JSON.parse(stdout) as { totals: LocalTotals }).totals;
  }

  close(): void {
    this.meter.close();
  }
}
