// The scalable store: PostgreSQL through `pg`. Every instance is stateless; what must hold across instances is a
// single statement each: a batch is one `INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE … WHERE excluded.rev >
// usage.rev`, whose row count is exactly the rows it stored (the row lock makes a concurrent upsert of the same key
// re-check the revision against the committed row), and an alert is claimed by `ON CONFLICT DO NOTHING` on a unique
// key. Rows are sorted by key (day first), so two batches lock shared keys, and the team's per-day totals the trigger
// updates, in the same order; a deadlock is retried anyway.
import { Pool, type PoolClient } from 'pg';
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
  team TEXT NOT NULL, member TEXT NOT NULL, machine TEXT NOT NULL, day TEXT COLLATE "C" NOT NULL,
  agent TEXT NOT NULL, model TEXT NOT NULL, repo TEXT NOT NULL, branch TEXT NOT NULL,
  rev BIGINT NOT NULL, cost_nano_usd BIGINT NOT NULL, requests BIGINT NOT NULL,
  unpriced BIGINT NOT NULL, web_search BIGINT NOT NULL,
  input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, cache_read_tokens BIGINT NOT NULL,
  cache_write_5m_tokens BIGINT NOT NULL, cache_write_1h_tokens BIGINT NOT NULL,
  received_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (team, member, machine, day, agent, model, repo, branch)
);
CREATE INDEX IF NOT EXISTS usage_team_day ON usage (team, day);
CREATE INDEX IF NOT EXISTS usage_member_day ON usage (team, member, day);
CREATE TABLE IF NOT EXISTS team_daily (
  team TEXT NOT NULL, day TEXT COLLATE "C" NOT NULL, cost_nano_usd BIGINT NOT NULL, PRIMARY KEY (team, day)
);
CREATE OR REPLACE FUNCTION agent_meter_team_daily() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE delta BIGINT;
BEGIN
  IF TG_OP = 'UPDATE' THEN delta := NEW.cost_nano_usd - OLD.cost_nano_usd; ELSE delta := NEW.cost_nano_usd; END IF;
  INSERT INTO team_daily AS d (team, day, cost_nano_usd) VALUES (NEW.team, NEW.day, delta)
  ON CONFLICT (team, day) DO UPDATE SET cost_nano_usd = d.cost_nano_usd + excluded.cost_nano_usd;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS usage_team_daily ON usage;
CREATE TRIGGER usage_team_daily AFTER INSERT OR UPDATE OF cost_nano_usd ON usage
  FOR EACH ROW EXECUTE FUNCTION agent_meter_team_daily();
CREATE TABLE IF NOT EXISTS teams (
  team TEXT PRIMARY KEY, time_zone TEXT, warn_percent DOUBLE PRECISION, throttle_percent DOUBLE PRECISION,
  stop_percent DOUBLE PRECISION, webhook_url TEXT
);
CREATE TABLE IF NOT EXISTS budgets (
  team TEXT NOT NULL, scope TEXT NOT NULL, member TEXT NOT NULL, period TEXT NOT NULL, amount_usd DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (team, scope, member, period)
);
CREATE TABLE IF NOT EXISTS alerts (
  team TEXT NOT NULL, scope TEXT NOT NULL, member TEXT NOT NULL, period TEXT NOT NULL, period_start TEXT NOT NULL,
  threshold TEXT NOT NULL, threshold_percent DOUBLE PRECISION NOT NULL, spent_usd DOUBLE PRECISION NOT NULL,
  limit_usd DOUBLE PRECISION NOT NULL, created_at TIMESTAMPTZ NOT NULL,
  UNIQUE (team, scope, member, period, period_start, threshold)
);
CREATE TABLE IF NOT EXISTS tokens (
  hash TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, team TEXT NOT NULL, member TEXT, created_at TEXT NOT NULL
);
`;

/** Any constant: instances starting together take turns creating the schema (CREATE … IF NOT EXISTS can race). */
const SCHEMA_LOCK = 0x616d7472;

const UPSERT = `
INSERT INTO usage (team, member, machine, day, agent, model, repo, branch, rev, cost_nano_usd, requests, unpriced,
  web_search, input_tokens, output_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, received_at)
SELECT $1::text, $2::text, $3::text, r.*, $4::timestamptz FROM unnest(
  $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int8[], $11::int8[], $12::int8[], $13::int8[],
  $14::int8[], $15::int8[], $16::int8[], $17::int8[], $18::int8[], $19::int8[]) AS r
ON CONFLICT (team, member, machine, day, agent, model, repo, branch) DO UPDATE SET
  rev = excluded.rev, cost_nano_usd = excluded.cost_nano_usd, requests = excluded.requests,
  unpriced = excluded.unpriced, web_search = excluded.web_search, input_tokens = excluded.input_tokens,
  output_tokens = excluded.output_tokens, cache_read_tokens = excluded.cache_read_tokens,
  cache_write_5m_tokens = excluded.cache_write_5m_tokens, cache_write_1h_tokens = excluded.cache_write_1h_tokens,
  received_at = excluded.received_at
WHERE excluded.rev > usage.rev`;

/** One array per column, in UPSERT's unnest order. */
function columns(rows: SyncRow[]): unknown[] {
  const pick = <T>(f: (r: SyncRow) => T) => rows.map(f);
  return [
    pick((r) => r.day), pick((r) => r.agent), pick((r) => r.model), pick((r) => r.repo), pick((r) => r.branch),
    pick((r) => r.rev), pick((r) => r.costNanoUsd), pick((r) => r.requests), pick((r) => r.unpricedRequests),
    pick((r) => r.webSearchRequests), pick((r) => r.tokens.input), pick((r) => r.tokens.output),
    pick((r) => r.tokens.cacheRead), pick((r) => r.tokens.cacheWrite5m), pick((r) => r.tokens.cacheWrite1h),
  ];
}

/** SQL text → prepared statement name, shared by every pool (names are per connection in PostgreSQL). */
const statementNames = new Map<string, string>();

const RETRYABLE = new Set(['40P01', '40001']); // deadlock detected, serialization failure

export class PostgresStore implements Store {
  readonly kind = 'postgres';

  private constructor(private readonly pool: Pool) {}

  /** Connects and creates the tables if they are missing. */
  static async open(connectionString: string, options: { max?: number } = {}): Promise<PostgresStore> {
    const pool = new Pool({
      connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: 5_000,
      statement_timeout: 15_000,
      application_name: 'agent-meter-server',
    });
    // An idle client that loses its connection (a database restart) must not crash the process.
    pool.on('error', () => undefined);
    const store = new PostgresStore(pool);
    try {
      await store.transaction(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
        await c.query(SCHEMA);
      });
    } catch (err) {
      await pool.end();
      throw err;
    }
    return store;
  }

  private async transaction<T>(work: (c: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Runs `sql` as a named prepared statement: each connection parses and plans it once, not on every call. */
  private query(sql: string, params: unknown[]) {
    let name = statementNames.get(sql);
    if (name === undefined) {
      name = `am_${statementNames.size}`;
      statementNames.set(sql, name);
    }
    return this.pool.query({ name, text: sql, values: params });
  }

  private async rows(sql: string, params: unknown[]): Promise<Row[]> {
    return (await this.query(sql, params)).rows as Row[];
  }

  async upsertUsage(owner: UsageOwner, rows: readonly SyncRow[], receivedAt: string): Promise<UpsertResult> {
    const { rows: latest, dropped } = latestPerKey(rows);
    if (latest.length === 0) return { accepted: 0, stale: dropped };
    const params = [owner.team, owner.member, owner.machine, receivedAt, ...columns(latest)];
    for (let attempt = 1; ; attempt++) {
      try {
        const { rowCount } = await this.query(UPSERT, params);
        const accepted = rowCount ?? 0;
        return { accepted, stale: latest.length - accepted + dropped };
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= 3 || !code || !RETRYABLE.has(code)) throw err;
      }
    }
  }

  async dailySpend(team: string, member: string, from: string, to: string): Promise<DaySpend[]> {
    const [teamDays, memberDays] = await Promise.all([this.rows(TEAM_DAYS, [team, from, to]), this.rows(MEMBER_DAYS, [team, member, from, to])]);
    return mergeDays(teamDays, memberDays);
  }

  async summary(team: string, from: string, to: string, by: SummaryDimension): Promise<GroupTotals[]> {
    const col = DIMENSION_COLUMN[by];
    const rows = await this.rows(`SELECT ${col} AS k, ${SUMS} FROM usage WHERE team = $1 AND day BETWEEN $2 AND $3 GROUP BY ${col}`, [team, from, to]);
    return rows.map(groupFromRow);
  }

  async team(team: string): Promise<TeamRecord | undefined> {
    const [row] = await this.rows('SELECT * FROM teams WHERE team = $1', [team]);
    return row ? teamFromRow(row) : undefined;
  }

  async saveTeam(t: TeamRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO teams (team, time_zone, warn_percent, throttle_percent, stop_percent, webhook_url) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (team) DO UPDATE SET time_zone = excluded.time_zone, warn_percent = excluded.warn_percent,
         throttle_percent = excluded.throttle_percent, stop_percent = excluded.stop_percent, webhook_url = excluded.webhook_url`,
      [t.team, t.timeZone, t.warnPercent, t.throttlePercent, t.stopPercent, t.webhookUrl],
    );
  }

  async budgets(team: string): Promise<BudgetRow[]> {
    return (await this.rows('SELECT * FROM budgets WHERE team = $1 ORDER BY scope DESC, member, period', [team])).map(budgetFromRow);
  }

  async setBudget(team: string, b: Omit<BudgetRow, 'amountUsd'> & { amountUsd: number | null }): Promise<void> {
    if (b.amountUsd === null) {
      await this.pool.query('DELETE FROM budgets WHERE team = $1 AND scope = $2 AND member = $3 AND period = $4', [team, b.scope, b.member, b.period]);
      return;
    }
    await this.pool.query(
      `INSERT INTO budgets (team, scope, member, period, amount_usd) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (team, scope, member, period) DO UPDATE SET amount_usd = excluded.amount_usd`,
      [team, b.scope, b.member, b.period, b.amountUsd],
    );
  }

  async claimAlert(a: AlertClaim): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `INSERT INTO alerts (team, scope, member, period, period_start, threshold, threshold_percent, spent_usd, limit_usd, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
      [a.team, a.scope, a.member, a.period, a.periodStart, a.level, a.thresholdPercent, a.spentUsd, a.limitUsd, a.at],
    );
    return rowCount === 1;
  }

  async addToken(hash: string, t: TokenRecord): Promise<void> {
    await this.pool.query('INSERT INTO tokens (hash, id, team, member, created_at) VALUES ($1, $2, $3, $4, $5)', [hash, t.id, t.team, t.member, t.createdAt]);
  }

  async tokenByHash(hash: string): Promise<TokenRecord | undefined> {
    const [row] = await this.rows('SELECT * FROM tokens WHERE hash = $1', [hash]);
    return row ? tokenFromRow(row) : undefined;
  }

  async listTokens(team?: string): Promise<TokenRecord[]> {
    const rows =
      team === undefined
        ? await this.rows('SELECT * FROM tokens ORDER BY team, created_at', [])
        : await this.rows('SELECT * FROM tokens WHERE team = $1 ORDER BY created_at', [team]);
    return rows.map(tokenFromRow);
  }

  async revokeToken(id: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM tokens WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
