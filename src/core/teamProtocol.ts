// Team sync wire format (DESIGN §7), in one file: what a member's machine sends to the team server, what it gets
// back, and the server's read endpoints. Only numbers and identifiers cross the wire: a row names a day, an agent, a
// model, a repo and a branch (repo and branch can be hashed or left out on the client) and carries the *cumulative*
// totals of that key with a revision. The server keeps the highest revision per (team, member, machine, key), so a
// re-send, a duplicate delivery or a retry after a lost answer never counts twice. Money travels as integer
// nano-dollars so that sums are exact in any order.
import * as z from 'zod';

export const SYNC_SCHEMA_VERSION = 1;

/** Largest batch a client sends and the server accepts (the server also caps the body size). */
export const MAX_ROWS_PER_BATCH = 2_000;

/** An identifier from outside: printable, bounded. */
export const identifierSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters');
/** Like an identifier, but '' means "not known or not shared". */
const optionalIdentifier = z.string().max(200).regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters');
export const daySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD');
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const syncTokensSchema = z
  .object({ input: count, output: count, cacheRead: count, cacheWrite5m: count, cacheWrite1h: count })
  .strict();

/** One key's cumulative totals. The key is (day, agent, model, repo, branch); member and machine come from the batch. */
export const syncRowSchema = z
  .object({
    /** Local day of the requests, in the time zone the batch names. */
    day: daySchema,
    agent: z.enum(['claude-code', 'codex']),
    model: identifierSchema,
    /** Repo as shared: its folder name, a hash of it, or '' (not shared / unknown). */
    repo: optionalIdentifier,
    branch: optionalIdentifier,
    /** Grows with every change of this row on the client (microseconds since the epoch, or last + 1). */
    rev: count.positive(),
    costNanoUsd: count,
    requests: count,
    /** Requests of a model with no known price (their cost is not in costNanoUsd). */
    unpricedRequests: count,
    webSearchRequests: count,
    tokens: syncTokensSchema,
  })
  .strict();
export type SyncRow = z.infer<typeof syncRowSchema>;

/** The key of a row within its (member, machine): the outbox's map key, and the server's for de-duplicating a batch. */
export function rowKey(r: Pick<SyncRow, 'day' | 'agent' | 'model' | 'repo' | 'branch'>): string {
  return `${r.day}\u0000${r.agent}\u0000${r.model}\u0000${r.repo}\u0000${r.branch}`;
}

export const syncBatchSchema = z
  .object({
    schema: z.literal(SYNC_SCHEMA_VERSION),
    /** Which of the member's machines sent it (a hostname, or its hash). */
    machine: identifierSchema,
    /** Who the client believes it is; the server goes by the token and reports a mismatch. */
    member: identifierSchema.optional(),
    team: identifierSchema.optional(),
    /** IANA time zone the rows' days are in. */
    timeZone: z.string().min(1).max(64),
    client: z.object({ name: z.string().max(100), version: z.string().max(50) }).strict(),
    rows: z.array(syncRowSchema).max(MAX_ROWS_PER_BATCH),
  })
  .strict();
export type SyncBatch = z.infer<typeof syncBatchSchema>;

export const BUDGET_PERIODS = ['daily', 'weekly', 'monthly'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];
export const budgetLevelSchema = z.enum(['none', 'ok', 'warn', 'throttle', 'stop']);

/** Where one entity (the team, or a member) stands in one budget period. */
export const periodStatusSchema = z.object({
  period: z.enum(BUDGET_PERIODS),
  /** First day of the period (team time zone); weeks start on Monday. */
  start: daySchema,
  /** When the period resets (ISO-8601 UTC). */
  resetAt: z.string(),
  spentNanoUsd: count,
  spentUsd: z.number(),
  limitUsd: z.number().nullable(),
  percent: z.number().nullable(),
  level: budgetLevelSchema,
});
export type PeriodStatus = z.infer<typeof periodStatusSchema>;

export const entityStatusSchema = z.object({
  /** The team id, or the member's name. */
  id: z.string(),
  periods: z.array(periodStatusSchema),
  /** The most severe level over the periods. */
  level: budgetLevelSchema,
});
export type EntityStatus = z.infer<typeof entityStatusSchema>;

/** `GET /v1/budget/status` (and part of every sync answer): the caller's member and team standing. */
export const budgetStatusSchema = z.object({
  team: entityStatusSchema,
  member: entityStatusSchema,
  timeZone: z.string(),
  thresholds: z.object({ warnPercent: z.number(), throttlePercent: z.number(), stopPercent: z.number() }),
  /** Server time of the answer (ISO-8601 UTC). */
  asOf: z.string(),
});
export type BudgetStatus = z.infer<typeof budgetStatusSchema>;

/** `POST /v1/usage` answer. */
export const syncResponseSchema = z.object({
  /** Rows stored (new key or higher revision). */
  accepted: count,
  /** Rows ignored because the server already had that revision or a later one (re-sends). */
  stale: count,
  /** The team's time zone: the client buckets days in it from the next sync on. */
  timeZone: z.string(),
  status: budgetStatusSchema,
});
export type SyncResponse = z.infer<typeof syncResponseSchema>;

/** One group of the team summary. */
export const summaryGroupSchema = z.object({
  key: z.string(),
  costNanoUsd: count,
  costUsd: z.number(),
  requests: count,
  tokens: syncTokensSchema,
});
export type SummaryGroup = z.infer<typeof summaryGroupSchema>;

/** `GET /v1/team/summary?from=YYYY-MM-DD&to=YYYY-MM-DD`: the team's spend by member, repo, model and day. */
export const teamSummarySchema = z.object({
  team: z.string(),
  from: daySchema,
  to: daySchema,
  timeZone: z.string(),
  total: summaryGroupSchema,
  byMember: z.array(summaryGroupSchema),
  byRepo: z.array(summaryGroupSchema),
  byModel: z.array(summaryGroupSchema),
  byDay: z.array(summaryGroupSchema),
});
export type TeamSummary = z.infer<typeof teamSummarySchema>;

/** Error answers: `{ error: { code, message } }` with a status of 400, 401, 403, 404, 413, 429 or 5xx. */
export const errorResponseSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** Admin: `PUT /v1/admin/budgets` sets (or, with amountUsd null, removes) a team or member budget. */
export const budgetSettingSchema = z
  .object({
    scope: z.enum(['team', 'member']),
    /** Required when scope is 'member'. */
    member: identifierSchema.optional(),
    period: z.enum(BUDGET_PERIODS),
    amountUsd: z.number().positive().max(1e9).nullable(),
  })
  .strict()
  .refine((b) => (b.scope === 'member') === (b.member !== undefined), 'member is required for scope "member" and only then');
export type BudgetSetting = z.infer<typeof budgetSettingSchema>;

/** Admin: `PUT /v1/admin/team` sets the team's time zone, thresholds and alert webhook. */
export const teamSettingsSchema = z
  .object({
    timeZone: z.string().min(1).max(64).optional(),
    warnPercent: z.number().min(1).max(1000).optional(),
    throttlePercent: z.number().min(1).max(1000).optional(),
    stopPercent: z.number().min(1).max(1000).optional(),
    /** http(s) URL that gets one POST per (entity, threshold, period) crossed; null removes it. */
    webhookUrl: z.string().url().max(2000).nullable().optional(),
  })
  .strict();
export type TeamSettings = z.infer<typeof teamSettingsSchema>;

/** The body POSTed to a team's webhook, once per (entity, threshold, period). */
export interface BudgetAlert {
  event: 'threshold_crossed' | 'budget_crossed';
  team: string;
  /** Absent for a team budget. */
  member?: string;
  scope: 'team' | 'member';
  period: BudgetPeriod;
  periodStart: string;
  /** The threshold crossed, in percent (warn, throttle or stop). */
  thresholdPercent: number;
  level: 'warn' | 'throttle' | 'stop';
  spentUsd: number;
  limitUsd: number;
  at: string;
}

// ---- OTLP mode: the same rows as cumulative OTLP/HTTP metrics (notes/pricing-and-team-sync.md §3.3, §5b) ----

/** Metric names and attribute keys shared by the exporter (src/node) and the server's OTLP ingest. */
export const OTLP = {
  costMetric: 'ai_agent.cost.usage',
  tokenMetric: 'ai_agent.token.usage',
  /** Requests, with `priced` = "true" | "false" (false: a model with no known price, its cost is not counted). */
  requestMetric: 'ai_agent.request.count',
  webSearchMetric: 'ai_agent.web_search.count',
  priced: 'priced',
  /** Resource attributes. */
  member: 'user.email',
  team: 'team.id',
  machine: 'host.name',
  serviceName: 'agent-meter',
  /** Datapoint attributes (Claude Code's `model` and `type` names, so dashboards can union both streams). */
  model: 'model',
  agent: 'agent',
  repo: 'repo',
  branch: 'branch',
  day: 'period.day',
  timeZone: 'period.time_zone',
  /** `type` is input | output | cacheRead | cacheCreation, as Claude Code; cacheCreation carries `cache.ttl` 5m | 1h. */
  tokenType: 'type',
  cacheTtl: 'cache.ttl',
} as const;

/** What one attempt to deliver a batch came to (JSON or OTLP), for the outbox's retry logic. */
export type SendOutcome =
  | { ok: true; status: number; response?: SyncResponse }
  | {
      ok: false;
      /** False for answers that a retry cannot fix (400, 401, 403, 413): the outbox keeps the rows and reports. */
      retryable: boolean;
      status?: number;
      /** From a Retry-After header, in ms. */
      retryAfterMs?: number;
      message: string;
    };

/** Retry-After as delay-seconds or an HTTP-date, in ms from `nowMs` (both delivery paths read it). */
export function retryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === undefined || header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
