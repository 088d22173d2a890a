// The reference team server (DESIGN §7): node:http, one route table, every byte from outside through zod. Members
// POST cumulative usage rows (JSON, or OTLP/HTTP JSON metrics); the store keeps the highest revision per key, so
// re-sends are harmless. Budgets reset on calendar boundaries in the team's time zone; crossing a threshold claims an
// alert in the store and, the first time only, POSTs it to the team's webhook in the background. All state is in the
// store: any number of instances can serve one PostgreSQL database. The rate limiter is the one thing per instance.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import type { BudgetThresholds } from '../core/budget';
import { addDays, daysInMonth, isValidTimeZone, localDate, monthStart } from '../core/calendar';
import { rowsFromOtlp } from '../core/otlpIngest';
import {
  budgetSettingSchema,
  daySchema,
  syncBatchSchema,
  teamSettingsSchema,
  type BudgetStatus,
  type SummaryGroup,
  type SyncResponse,
  type SyncRow,
  type TeamSummary,
} from '../core/teamProtocol';
import { crossedThresholds, DEFAULT_WEBHOOK_OPTIONS, isWebhookUrl, postAlert, type WebhookOptions } from './alerts';
import { budgetStatus, DEFAULT_THRESHOLDS, periodWindows, statusDayRange } from './budgetPeriods';
import { DASHBOARD_CSP, dashboardCss, dashboardHtml, dashboardJs } from './dashboardAssets';
import { ApiError, parseJson, readBody, sendError, sendJson, sendText, validate, type BodyLimits } from './httpJson';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitOptions } from './rateLimiter';
import type { GroupTotals, Store, SummaryDimension, TeamRecord, TokenRecord } from './store';
import { bearerToken, hashToken } from './tokens';

export interface TeamServerOptions {
  store: Store;
  port: number;
  host: string;
  /** Time zone of teams that have not set one. */
  defaultTimeZone: string;
  rateLimit?: RateLimitOptions;
  bodyLimits?: BodyLimits;
  webhook?: WebhookOptions;
  /** One line per event worth keeping (start, alerts, failures); never a body. Default: stderr. */
  log?: (line: string) => void;
  /** The clock of budget periods (tests pin it). */
  now?: () => Date;
}

export interface TeamServer {
  /** e.g. http://127.0.0.1:8787 */
  url: string;
  port: number;
  /** Resolves when alerts raised so far have been delivered or given up on. */
  settled(): Promise<void>;
  /** Stops accepting, finishes requests in flight and pending webhooks. The store stays open (its owner closes it). */
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMITS: BodyLimits = { maxBytes: 1024 * 1024, maxInflatedBytes: 8 * 1024 * 1024 };
/** Longest summary range: a year and a day. */
const MAX_SUMMARY_DAYS = 366;

interface PublicCall {
  req: http.IncomingMessage;
  url: URL;
}

interface Call extends PublicCall {
  /** The caller's token (already checked for the route's access). */
  token: TokenRecord;
}

type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: 200; text: string; contentType: string; headers?: Record<string, string> };

type Route =
  | { access: 'public'; handle: (call: PublicCall) => Promise<Reply> }
  | { access: 'member' | 'admin'; handle: (call: Call) => Promise<Reply> };

/** A team's settings with the server's defaults filled in. */
interface TeamContext {
  team: string;
  timeZone: string;
  thresholds: BudgetThresholds;
  webhookUrl: string | null;
}

const summaryQuerySchema = z.object({ from: daySchema.optional(), to: daySchema.optional() });
const memberQuerySchema = z.object({ member: z.string().min(1).max(200).optional() });

export async function startTeamServer(options: TeamServerOptions): Promise<TeamServer> {
  const { store } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
  const now = options.now ?? (() => new Date());
  const limiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  const bodyLimits = options.bodyLimits ?? DEFAULT_BODY_LIMITS;
  const webhook = options.webhook ?? DEFAULT_WEBHOOK_OPTIONS;
  const pending = new Set<Promise<void>>();
  const mismatchesLogged = new Set<string>();
  let closing = false;

  const background = (work: Promise<void>) => {
    const p = work.catch((err: unknown) => log(`background task failed: ${err instanceof Error ? err.message : String(err)}`));
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  async function teamContext(team: string): Promise<TeamContext> {
    return contextOf(team, await store.team(team));
  }

  function contextOf(team: string, rec: TeamRecord | undefined): TeamContext {
    return {
      team,
      timeZone: rec?.timeZone ?? options.defaultTimeZone,
      thresholds: {
        warnPercent: rec?.warnPercent ?? DEFAULT_THRESHOLDS.warnPercent,
        throttlePercent: rec?.throttlePercent ?? DEFAULT_THRESHOLDS.throttlePercent,
        stopPercent: rec?.stopPercent ?? DEFAULT_THRESHOLDS.stopPercent,
      },
      webhookUrl: rec?.webhookUrl ?? null,
    };
  }

  async function statusOf(ctx: TeamContext, member: string | undefined, at: Date): Promise<BudgetStatus> {
    const { from, to } = statusDayRange(periodWindows(localDate(at.toISOString(), ctx.timeZone), ctx.timeZone));
    const [budgets, days] = await Promise.all([store.budgets(ctx.team), store.dailySpend(ctx.team, member ?? '', from, to)]);
    return budgetStatus({ team: ctx.team, member, timeZone: ctx.timeZone, thresholds: ctx.thresholds, budgets, days, now: at });
  }

  /** Claims each crossed threshold; the first claim of each sends the webhook. */
  async function raiseAlerts(ctx: TeamContext, status: BudgetStatus): Promise<void> {
    for (const alert of crossedThresholds(status)) {
      const claimed = await store.claimAlert({ ...alert, member: alert.member ?? '' });
      if (!claimed) continue;
      const who = alert.member ? `member ${alert.member}` : 'the team';
      log(`alert ${alert.event}: team ${alert.team}, ${who}, ${alert.period} from ${alert.periodStart} at ${alert.level} (${alert.thresholdPercent}%)`);
      if (!ctx.webhookUrl) continue;
      const problem = await postAlert(ctx.webhookUrl, alert, webhook);
      if (problem) log(`webhook for team ${alert.team} failed: ${problem}`);
    }
  }

  /** Stores rows under the token's identity; answers with the standing after them. */
  async function ingest(ctx: TeamContext, member: string, machine: string, rows: SyncRow[]): Promise<{ accepted: number; stale: number; status: BudgetStatus }> {
    const at = now();
    const counts = await store.upsertUsage({ team: ctx.team, member, machine }, rows, at.toISOString());
    const status = await statusOf(ctx, member, at);
    if (counts.accepted > 0) background(raiseAlerts(ctx, status));
    return { ...counts, status };
  }

  /** The token's identity wins over what a body claims; a client that believes otherwise is logged once. */
  function noteClaim(token: TokenRecord, field: 'member' | 'team', claimed: string | undefined, actual: string): void {
    if (claimed === undefined || claimed === actual) return;
    const key = `${token.id}\u0000${field}\u0000${claimed}`;
    if (mismatchesLogged.has(key) || mismatchesLogged.size >= 10_000) return;
    mismatchesLogged.add(key);
    log(`token ${token.id} (${field} ${actual}) sent rows as ${field} ${JSON.stringify(claimed)}; stored under ${actual}`);
  }

  /** Who the rows are for: a member token's own member; an admin token must name one. */
  function memberFor(token: TokenRecord, claimed: { member?: string; team?: string }): string {
    noteClaim(token, 'team', claimed.team, token.team);
    if (token.member !== null) {
      noteClaim(token, 'member', claimed.member, token.member);
      return token.member;
    }
    if (claimed.member === undefined) throw new ApiError(400, 'member_required', 'an admin token must name the member of the rows');
    return claimed.member;
  }

  async function postUsage({ req, token }: Call): Promise<Reply> {
    const batch = validate(syncBatchSchema, parseJson(await readBody(req, bodyLimits)));
    const member = memberFor(token, batch);
    const ctx = await teamContext(token.team);
    const result = await ingest(ctx, member, batch.machine, batch.rows);
    const answer: SyncResponse = { accepted: result.accepted, stale: result.stale, timeZone: ctx.timeZone, status: result.status };
    return { status: 200, json: answer };
  }

  async function postMetrics({ req, token }: Call): Promise<Reply> {
    const type = String(req.headers['content-type'] ?? 'application/json').toLowerCase();
    if (!type.includes('json')) throw new ApiError(415, 'unsupported_media_type', 'OTLP/HTTP JSON only (Content-Type: application/json)');
    const body = parseJson(await readBody(req, bodyLimits));
    const mapped = rowsFromOtlp(body);
    // Not an ExportMetricsServiceRequest at all (otlpIngest's contract): a 400, which OTLP senders do not retry.
    if (mapped.batches.length === 0 && mapped.rejectedDataPoints === 0 && mapped.errorMessage) {
      throw new ApiError(400, 'invalid', mapped.errorMessage);
    }
    const ctx = await teamContext(token.team);
    for (const batch of mapped.batches) {
      if (batch.rows.length > 0) await ingest(ctx, memberFor(token, batch), batch.machine, batch.rows);
    }
    const partial = mapped.rejectedDataPoints > 0 || mapped.errorMessage;
    return {
      status: 200,
      json: partial ? { partialSuccess: { rejectedDataPoints: mapped.rejectedDataPoints, errorMessage: mapped.errorMessage ?? '' } } : {},
    };
  }

  async function getStatus({ url, token }: Call): Promise<Reply> {
    const { member } = validate(memberQuerySchema, Object.fromEntries(url.searchParams));
    if (token.member !== null && member !== undefined && member !== token.member) {
      throw new ApiError(403, 'forbidden', 'a member token reads its own status only');
    }
    const ctx = await teamContext(token.team);
    return { status: 200, json: await statusOf(ctx, token.member ?? member, now()) };
  }

  async function getSummary({ url, token }: Call): Promise<Reply> {
    const query = validate(summaryQuerySchema, Object.fromEntries(url.searchParams));
    const ctx = await teamContext(token.team);
    const today = localDate(now().toISOString(), ctx.timeZone);
    const from = query.from ?? monthStart(today);
    const to = query.to ?? addDays(monthStart(today), daysInMonth(today) - 1);
    if (from > to) throw new ApiError(400, 'invalid', 'from: must not be after to');
    if (addDays(from, MAX_SUMMARY_DAYS) <= to) throw new ApiError(400, 'invalid', `to: at most ${MAX_SUMMARY_DAYS} days after from`);
    const group = (by: SummaryDimension) => store.summary(ctx.team, from, to, by);
    const [byMember, byRepo, byModel, byDay] = await Promise.all([group('member'), group('repo'), group('model'), group('day')]);
    const byCost = (a: GroupTotals, b: GroupTotals) => b.costNanoUsd - a.costNanoUsd || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    // Days stay in calendar order (a time series); the other groups go by cost, highest first.
    const days = byDay.sort((a, b) => (a.key < b.key ? -1 : 1));
    const summary: TeamSummary = {
      team: ctx.team,
      from,
      to,
      timeZone: ctx.timeZone,
      total: summaryGroup(totalOf(days)),
      byMember: byMember.sort(byCost).map(summaryGroup),
      byRepo: byRepo.sort(byCost).map(summaryGroup),
      byModel: byModel.sort(byCost).map(summaryGroup),
      byDay: days.map(summaryGroup),
    };
    return { status: 200, json: summary };
  }

  function teamSettingsOf(ctx: TeamContext) {
    return { team: ctx.team, timeZone: ctx.timeZone, ...ctx.thresholds, webhookUrl: ctx.webhookUrl };
  }

  async function putTeam({ req, token }: Call): Promise<Reply> {
    const patch = validate(teamSettingsSchema, parseJson(await readBody(req, bodyLimits)));
    if (patch.timeZone !== undefined && !isValidTimeZone(patch.timeZone)) throw new ApiError(400, 'invalid', `timeZone: ${patch.timeZone} is not an IANA time zone`);
    if (patch.webhookUrl && !isWebhookUrl(patch.webhookUrl)) throw new ApiError(400, 'invalid', 'webhookUrl: must be an http or https URL');
    const rec: TeamRecord = (await store.team(token.team)) ?? {
      team: token.team,
      timeZone: null,
      warnPercent: null,
      throttlePercent: null,
      stopPercent: null,
      webhookUrl: null,
    };
    // A field the body leaves out keeps its value (JSON has no undefined); webhookUrl null removes the webhook.
    const next: TeamRecord = { ...rec, ...patch };
    const ctx = contextOf(token.team, next);
    const t = ctx.thresholds;
    if (!(t.warnPercent <= t.throttlePercent && t.throttlePercent <= t.stopPercent)) {
      throw new ApiError(400, 'invalid', `thresholds must rise: warn ${t.warnPercent} ≤ throttle ${t.throttlePercent} ≤ stop ${t.stopPercent}`);
    }
    await store.saveTeam(next);
    return { status: 200, json: teamSettingsOf(ctx) };
  }

  async function budgetsReply(team: string): Promise<Reply> {
    const budgets = (await store.budgets(team)).map((b) => ({
      scope: b.scope,
      ...(b.scope === 'member' ? { member: b.member } : {}),
      period: b.period,
      amountUsd: b.amountUsd,
    }));
    return { status: 200, json: { team, budgets } };
  }

  async function putBudget({ req, token }: Call): Promise<Reply> {
    const b = validate(budgetSettingSchema, parseJson(await readBody(req, bodyLimits)));
    await store.setBudget(token.team, { scope: b.scope, member: b.member ?? '', period: b.period, amountUsd: b.amountUsd });
    return budgetsReply(token.team);
  }

  async function health(): Promise<Reply> {
    try {
      await store.ping();
      return { status: 200, json: { ok: true, db: store.kind } };
    } catch (err) {
      log(`health check: the database does not answer: ${err instanceof Error ? err.message : String(err)}`);
      return { status: 503, json: { error: { code: 'db_unavailable', message: 'the database does not answer' } } };
    }
  }

  const page = (text: string, contentType: string): Route => ({
    access: 'public',
    handle: async () => ({ status: 200, text, contentType, headers: { 'content-security-policy': DASHBOARD_CSP, 'referrer-policy': 'no-referrer' } }),
  });

  const routes: Record<string, Record<string, Route>> = {
    '/healthz': { GET: { access: 'public', handle: health } },
    '/': { GET: page(dashboardHtml, 'text/html; charset=utf-8') },
    '/dashboard': { GET: page(dashboardHtml, 'text/html; charset=utf-8') },
    '/dashboard.js': { GET: page(dashboardJs, 'text/javascript; charset=utf-8') },
    '/dashboard.css': { GET: page(dashboardCss, 'text/css; charset=utf-8') },
    '/v1/usage': { POST: { access: 'member', handle: postUsage } },
    '/v1/metrics': { POST: { access: 'member', handle: postMetrics } },
    '/v1/budget/status': { GET: { access: 'member', handle: getStatus } },
    '/v1/team/summary': { GET: { access: 'member', handle: getSummary } },
    '/v1/admin/team': {
      GET: { access: 'admin', handle: async ({ token }) => ({ status: 200, json: teamSettingsOf(await teamContext(token.team)) }) },
      PUT: { access: 'admin', handle: putTeam },
    },
    '/v1/admin/budgets': {
      GET: { access: 'admin', handle: ({ token }) => budgetsReply(token.team) },
      PUT: { access: 'admin', handle: putBudget },
    },
  };

  async function authenticate(req: http.IncomingMessage, access: 'member' | 'admin'): Promise<TokenRecord> {
    const secret = bearerToken(req.headers.authorization);
    const token = secret === undefined ? undefined : await store.tokenByHash(hashToken(secret));
    if (!token) throw new ApiError(401, 'unauthorized', 'a valid bearer token is required', { 'www-authenticate': 'Bearer' });
    if (access === 'admin' && token.member !== null) throw new ApiError(403, 'forbidden', 'this needs an admin token');
    const waitMs = limiter.take(token.id);
    if (waitMs > 0) {
      throw new ApiError(429, 'rate_limited', 'too many requests for this token', { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) });
    }
    return token;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://server');
    } catch {
      throw new ApiError(400, 'bad_url', 'the request target is not a URL');
    }
    const methods = routes[url.pathname];
    if (!methods) throw new ApiError(404, 'not_found', `no route ${url.pathname}`);
    const route = methods[req.method ?? ''];
    if (!route) throw new ApiError(405, 'method_not_allowed', `${req.method} is not allowed here`, { allow: Object.keys(methods).join(', ') });
    const reply = route.access === 'public' ? await route.handle({ req, url }) : await route.handle({ req, url, token: await authenticate(req, route.access) });
    const headers = { ...(reply.headers ?? {}), ...(closing ? { connection: 'close' } : {}) };
    if ('text' in reply) sendText(res, reply.contentType, reply.text, headers);
    else sendJson(res, reply.status, reply.json, headers);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof ApiError) {
        sendError(res, err);
      } else {
        log(`${req.method} ${req.url?.split('?')[0]} failed: ${err instanceof Error ? err.message : String(err)}`);
        sendError(res, new ApiError(500, 'internal', 'internal error'));
      }
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;

  const settled = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  return {
    url: `http://${host}:${port}`,
    port,
    settled,
    close: async () => {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      await closed;
      clearTimeout(force);
      await settled();
    },
  };
}

function totalOf(groups: GroupTotals[]): GroupTotals {
  const total: GroupTotals = { key: 'total', costNanoUsd: 0, requests: 0, tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 } };
  for (const g of groups) {
    total.costNanoUsd += g.costNanoUsd;
    total.requests += g.requests;
    for (const k of Object.keys(total.tokens) as (keyof GroupTotals['tokens'])[]) total.tokens[k] += g.tokens[k];
  }
  return total;
}

function summaryGroup(g: GroupTotals): SummaryGroup {
  return { key: g.key, costNanoUsd: g.costNanoUsd, costUsd: g.costNanoUsd / 1e9, requests: g.requests, tokens: g.tokens };
}
