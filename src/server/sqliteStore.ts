// The embedded store: real SQLite compiled to WebAssembly (node-sqlite3-wasm), one file, no native build. Its calls
// are synchronous, so each method runs whole within one turn of the event loop: a batch upsert is atomic without any
// locking of ours. One server process per file, plus the short-lived `serve token` commands: the package locks the
// file per transaction with a `<file>.lock` directory, which a process killed mid-transaction leaves behind. So each
// process that opens the file registers its pid in `<file>.pids/`, and an opener that finds the lock held while
// every registered process is dead removes it (SQLite then rolls the interrupted transaction back from its journal).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Database, type Statement } from 'node-sqlite3-wasm';
import type { SyncRow } from '../core/teamProtocol';
import type { BudgetRow, DaySpend } from './budgetPeriods';
import { budgetFromRow, DIMENSION_COLUMN, groupFromRow, MEMBER_DAYS, mergeDays, SUMS, TEAM_DAYS, teamFromRow, tokenFromRow, type Row } from './sqlRows';
import {
  latestPerKey,
  type AlertClaim,
  type GroupTotals,
  type Store,
  type SummaryDimension,
  type TeamRecord,
  type TokenRecord,
  type UpsertResult,
  type UsageOwner,
} from './store';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS usage (
  team TEXT NOT NULL, member TEXT NOT NULL, machine TEXT NOT NULL, day TEXT NOT NULL,
  agent TEXT NOT NULL, model TEXT NOT NULL, repo TEXT NOT NULL, branch TEXT NOT NULL,
  rev INTEGER NOT NULL, cost_nano_usd INTEGER NOT NULL, requests INTEGER NOT NULL,
  unpriced INTEGER NOT NULL, web_search INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL,
  cache_write_5m_tokens INTEGER NOT NULL, cache_write_1h_tokens INTEGER NOT NULL,
  received_at TEXT NOT NULL,
  PRIMARY KEY (team, member, machine, day, agent, model, repo, branch)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS usage_team_day ON usage (team, day);
CREATE INDEX IF NOT EXISTS usage_member_day ON usage (team, member, day);
CREATE TABLE IF NOT EXISTS team_daily (
  team TEXT NOT NULL, day TEXT NOT NULL, cost_nano_usd INTEGER NOT NULL, PRIMARY KEY (team, day)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS usage_team_daily_insert AFTER INSERT ON usage BEGIN
  INSERT INTO team_daily (team, day, cost_nano_usd) VALUES (NEW.team, NEW.day, NEW.cost_nano_usd)
  ON CONFLICT (team, day) DO UPDATE SET cost_nano_usd = cost_nano_usd + excluded.cost_nano_usd;
END;
CREATE TRIGGER IF NOT EXISTS usage_team_daily_update AFTER UPDATE OF cost_nano_usd ON usage BEGIN
  UPDATE team_daily SET cost_nano_usd = cost_nano_usd + NEW.cost_nano_usd - OLD.cost_nano_usd WHERE team = NEW.team AND day = NEW.day;
END;
CREATE TABLE IF NOT EXISTS teams (
  team TEXT PRIMARY KEY, time_zone TEXT, warn_percent REAL, throttle_percent REAL, stop_percent REAL, webhook_url TEXT
);
CREATE TABLE IF NOT EXISTS budgets (
  team TEXT NOT NULL, scope TEXT NOT NULL, member TEXT NOT NULL, period TEXT NOT NULL, amount_usd REAL NOT NULL,
  PRIMARY KEY (team, scope, member, period)
);
CREATE TABLE IF NOT EXISTS alerts (
  team TEXT NOT NULL, scope TEXT NOT NULL, member TEXT NOT NULL, period TEXT NOT NULL, period_start TEXT NOT NULL,
  threshold TEXT NOT NULL, threshold_percent REAL NOT NULL, spent_usd REAL NOT NULL, limit_usd REAL NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (team, scope, member, period, period_start, threshold)
);
CREATE TABLE IF NOT EXISTS tokens (
  hash TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, team TEXT NOT NULL, member TEXT, created_at TEXT NOT NULL
);
`;

const UPSERT = `
INSERT INTO usage (team, member, machine, day, agent, model, repo, branch, rev, cost_nano_usd, requests, unpriced,
  web_search, input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, received_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (team, member, machine, day, agent, model, repo, branch) DO UPDATE SET
  rev = excluded.rev, cost_nano_usd = excluded.cost_nano_usd, requests = excluded.requests,
  unpriced = excluded.unpriced, web_search = excluded.web_search, input_tokens = excluded.input_tokens,
  output_tokens = excluded.output_tokens, cache_read_tokens = excluded.cache_read_tokens,
  cache_write_5m_tokens = excluded.cache_write_5m_tokens, cache_write_1h_tokens = excluded.cache_write_1h_tokens,
  received_at = excluded.received_at
WHERE excluded.rev > usage.rev`;

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly db: Database;
  /**
   * Statements of the request path, prepared once (each prepare is a parse in WebAssembly). Always run to the end
   * (`all`, `run`): a statement left on a row would keep its read transaction, and so the file lock, open.
   */
  private readonly statements = new Map<string, Statement>();

  private readonly pidFile: string;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.pidFile = registerProcess(file);
    this.db = new Database(file);
    try {
      // Another live process (`serve token create`) may hold the lock for a moment: wait for it, do not fail.
      this.db.exec('PRAGMA busy_timeout = 5000');
      this.db.exec(SCHEMA);
    } catch (err) {
      this.db.close();
      fs.rmSync(this.pidFile, { force: true });
      const locked = fs.existsSync(`${file}.lock`);
      throw new Error(
        locked
          ? `${file} is locked by another running process (see ${file}.pids/)`
          : `cannot open ${file}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  private prepared(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  async upsertUsage(owner: UsageOwner, rows: readonly SyncRow[], receivedAt: string): Promise<UpsertResult> {
    const { rows: latest, dropped } = latestPerKey(rows);
    let accepted = 0;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const r of latest) accepted += this.prepared(UPSERT).run(usageValues(owner, r, receivedAt)).changes;
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
    return { accepted, stale: latest.length - accepted + dropped };
  }

  async dailySpend(team: string, member: string, from: string, to: string): Promise<DaySpend[]> {
    const teamDays = this.prepared(TEAM_DAYS).all([team, from, to]) as Row[];
    const memberDays = this.prepared(MEMBER_DAYS).all([team, member, from, to]) as Row[];
    return mergeDays(teamDays, memberDays);
  }

  async summary(team: string, from: string, to: string, by: SummaryDimension): Promise<GroupTotals[]> {
    const col = DIMENSION_COLUMN[by];
    const rows = this.prepared(`SELECT ${col} AS k, ${SUMS} FROM usage WHERE team = ? AND day BETWEEN ? AND ? GROUP BY ${col}`).all([team, from, to]) as Row[];
    return rows.map(groupFromRow);
  }

  async team(team: string): Promise<TeamRecord | undefined> {
    const row = (this.prepared('SELECT * FROM teams WHERE team = ?').all([team]) as Row[])[0];
    return row ? teamFromRow(row) : undefined;
  }

  async saveTeam(t: TeamRecord): Promise<void> {
    this.db.run(
      `INSERT INTO teams (team, time_zone, warn_percent, throttle_percent, stop_percent, webhook_url) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (team) DO UPDATE SET time_zone = excluded.time_zone, warn_percent = excluded.warn_percent,
         throttle_percent = excluded.throttle_percent, stop_percent = excluded.stop_percent, webhook_url = excluded.webhook_url`,
      [t.team, t.timeZone, t.warnPercent, t.throttlePercent, t.stopPercent, t.webhookUrl],
    );
  }

  async budgets(team: string): Promise<BudgetRow[]> {
    return (this.prepared('SELECT * FROM budgets WHERE team = ? ORDER BY scope DESC, member, period').all([team]) as Row[]).map(budgetFromRow);
  }

  async setBudget(team: string, b: Omit<BudgetRow, 'amountUsd'> & { amountUsd: number | null }): Promise<void> {
    if (b.amountUsd === null) {
      this.db.run('DELETE FROM budgets WHERE team = ? AND scope = ? AND member = ? AND period = ?', [team, b.scope, b.member, b.period]);
      return;
    }
    this.db.run(
      `INSERT INTO budgets (team, scope, member, period, amount_usd) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (team, scope, member, period) DO UPDATE SET amount_usd = excluded.amount_usd`,
      [team, b.scope, b.member, b.period, b.amountUsd],
    );
  }

  async claimAlert(a: AlertClaim): Promise<boolean> {
    const { changes } = this.prepared(
      `INSERT INTO alerts (team, scope, member, period, period_start, threshold, threshold_percent, spent_usd, limit_usd, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ).run([a.team, a.scope, a.member, a.period, a.periodStart, a.level, a.thresholdPercent, a.spentUsd, a.limitUsd, a.at]);
    return changes === 1;
  }

  async addToken(hash: string, t: TokenRecord): Promise<void> {
    this.db.run('INSERT INTO tokens (hash, id, team, member, created_at) VALUES (?, ?, ?, ?, ?)', [hash, t.id, t.team, t.member, t.createdAt]);
  }

  async tokenByHash(hash: string): Promise<TokenRecord | undefined> {
    const row = (this.prepared('SELECT * FROM tokens WHERE hash = ?').all([hash]) as Row[])[0];
    return row ? tokenFromRow(row) : undefined;
  }

  async listTokens(team?: string): Promise<TokenRecord[]> {
    const rows = team === undefined ? this.db.all('SELECT * FROM tokens ORDER BY team, created_at') : this.db.all('SELECT * FROM tokens WHERE team = ? ORDER BY created_at', [team]);
    return (rows as Row[]).map(tokenFromRow);
  }

  async revokeToken(id: string): Promise<boolean> {
    return this.db.run('DELETE FROM tokens WHERE id = ?', [id]).changes > 0;
  }

  async ping(): Promise<void> {
    this.db.get('SELECT 1');
  }

  async close(): Promise<void> {
    if (!this.db.isOpen) return;
    for (const stmt of this.statements.values()) stmt.finalize();
    this.db.close();
    fs.rmSync(this.pidFile, { force: true });
  }
}

/** Tells this process's registrations from those of an earlier process that had the same pid. */
const PROCESS_TAG = randomBytes(6).toString('hex');

/** UPSERT's parameters for one row. */
function usageValues(owner: UsageOwner, r: SyncRow, receivedAt: string): (string | number)[] {
  const t = r.tokens;
  return [
    owner.team, owner.member, owner.machine, r.day, r.agent, r.model, r.repo, r.branch, r.rev, r.costNanoUsd, r.requests,
    r.unpricedRequests, r.webSearchRequests, t.input, t.output, t.cacheRead, t.cacheWrite5m, t.cacheWrite1h, receivedAt,
  ];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/** Registers this process as a user of `file`, forgets dead ones, and frees a lock only dead ones can hold. */
function registerProcess(file: string): string {
  const dir = `${file}.pids`;
  fs.mkdirSync(dir, { recursive: true });
  let othersAlive = false;
  for (const name of fs.readdirSync(dir)) {
    const [pidText, tag] = name.split('-');
    const pid = Number(pidText);
    // Another store of this very process is live; our pid with another tag is an earlier process (a container's
    // pid 1 restarted), dead.
    const alive = pid === process.pid ? tag === PROCESS_TAG : Number.isInteger(pid) && pid > 0 && isAlive(pid);
    if (alive) othersAlive = true;
    else fs.rmSync(path.join(dir, name), { force: true });
  }
  if (!othersAlive) fs.rmSync(`${file}.lock`, { recursive: true, force: true });
  // One file per store, so closing one of two stores of a process leaves the other registered.
  const pidFile = path.join(dir, `${process.pid}-${PROCESS_TAG}-${randomBytes(4).toString('hex')}`);
  fs.writeFileSync(pidFile, '');
  return pidFile;
}
