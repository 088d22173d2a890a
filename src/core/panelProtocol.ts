// The budget panel's host↔webview protocol, in one file (STYLE 6): a discriminated union per direction, a `ready`
// handshake, and complete snapshots only (a hidden webview drops messages; the next snapshot repairs everything).
// The host validates every inbound message with the zod schema below; the webview trusts what the host sends.
import * as z from 'zod';
import type { Finding } from './findings';
import type { AgentKind, TokenCounts } from './usageRecord';

/** Which stretch of time the panel's tables cover. */
export const TABLE_RANGES = ['today', 'week', 'month', 'all'] as const;
export type TableRange = (typeof TABLE_RANGES)[number];

/** Where a spend stands against its budget (DESIGN §6: warn 70 / throttle 90 / stop 100 by default). */
export type BudgetLevel = 'none' | 'ok' | 'warn' | 'throttle' | 'stop';

export interface PeriodLine {
  /** `session`: the most recently active session, listed only when a session budget is set. */
  id: 'session' | 'today' | 'week' | 'month';
  /** e.g. "Today", "This week", "This month", "This session (app · 1a2b3c4d)". */
  label: string;
  /** First local day of the period and the last day counted so far (today), YYYY-MM-DD. */
  from: string;
  to: string;
  costUsd: number;
  requests: number;
  /** The budget for the period in USD, or null when none is set. */
  budgetUsd: number | null;
  /** costUsd / budgetUsd × 100, or null without a budget. */
  percent: number | null;
  level: BudgetLevel;
  /** Spend at the period's end at the current pace (null for a session: it has no end). */
  forecastUsd: number | null;
  /** The forecast reaches the stop threshold although the spend has not yet. */
  projectedToExceed: boolean;
  /** The session a session line is about. */
  sessionId?: string;
}

/** The state the Claude Code guard enforces (budget-state.json), and why. */
export interface BudgetSummary {
  state: 'ok' | 'warn' | 'throttle' | 'stop';
  /** e.g. "Monthly budget at 92% ($92.10 of $100.00)"; '' when ok without a budget. */
  reason: string;
  /** Set when a session budget decides the state: the guard applies it to that session only. */
  sessionId?: string;
}

export interface BurnRate {
  /** Spend over the last `windowMinutes`, scaled to an hour. */
  usdPerHour: number;
  windowMinutes: number;
  /** Today's spend plus the current hourly rate over the hours left in the day ("at this pace"). */
  endOfDayUsd: number;
  /** This month's spend plus the average of its earlier days for each day left after today. */
  endOfMonthUsd: number;
}

/** One request of the selected session, in time order (the charts' data). */
export interface TurnPoint {
  at: string;
  /** Running total of the session's cost after this request. */
  cumulativeUsd: number;
  costUsd: number;
  /** Prompt size of the request (input + cache read + cache writes); subagent requests are not turns. */
  contextTokens: number;
  model: string;
}

export interface SessionSeries {
  sessionId: string;
  agent: AgentKind;
  project: string | null;
  branch: string | null;
  model: string | null;
  costUsd: number;
  requests: number;
  contextTokens: number;
  contextWindow: number;
  /** Main-thread requests (turns) only; `subagentUsd` holds the rest of the cost. */
  turns: TurnPoint[];
  subagentUsd: number;
  /** Compactions (the context fill drops to postTokens). */
  compactions: { at: string; postTokens: number | null }[];
}

export interface TableRow {
  /** Stable id (session id, model id, project path, branch, agent kind). */
  key: string;
  label: string;
  /** A second line: the project of a session, the price row of a model… (may be empty). */
  detail: string;
  costUsd: number;
  requests: number;
  tokens: TokenCounts;
  /** Share of the range's cost, 0..1. */
  share: number;
}

export interface PanelTables {
  range: TableRange;
  sessions: TableRow[];
  models: TableRow[];
  projects: TableRow[];
  branches: TableRow[];
  agents: TableRow[];
}

export interface DataQuality {
  files: number;
  lines: number;
  rejectedLines: number;
  /** Rejected lines by reason (not-json, invalid-json, schema, line-too-long, incomplete-line). */
  rejected: Record<string, number>;
  unreadable: { path: string; error: string }[];
  unpricedModels: string[];
  /** Store and setup warnings (e.g. a rebuilt ledger). */
  warnings: string[];
}

/** One entity's (the team's, or yours) standing on the team server, per budget period. */
export interface TeamEntity {
  id: string;
  level: BudgetLevel;
  periods: { period: 'daily' | 'weekly' | 'monthly'; spentUsd: number; limitUsd: number | null; percent: number | null; level: BudgetLevel }[];
}

/** Team sync as the panel shows it (null in the snapshot: team sync is not set up). */
export interface TeamPanel {
  /** The endpoint's origin (never a path or a token). */
  endpoint: string;
  mode: 'agent-meter' | 'otlp';
  sync: 'no-token' | 'never' | 'syncing' | 'ok' | 'retrying' | 'failed';
  lastSuccessAt: string | null;
  pendingRows: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  /** The team server's answer (Agent Meter endpoints only), as of `asOf`. */
  team: TeamEntity | null;
  member: TeamEntity | null;
  asOf: string | null;
}

/** Everything the panel shows, as one value. */
export interface PanelSnapshot {
  generatedAt: string;
  timeZone: string;
  /** True while the first scan runs (figures may still grow). */
  scanning: boolean;
  periods: PeriodLine[];
  /** The state budget-state.json carries (worst of the budget lines and the team's answer). */
  budget: BudgetSummary;
  burn: BurnRate;
  /** Live findings of recent sessions, most severe first. */
  findings: Finding[];
  /** Short names ("app · 1a2b3c4d") of the sessions the findings are about, by session id. */
  findingSessions: Record<string, string>;
  /** Sessions offered in the session picker, most recent first (id, label). */
  sessionChoices: { sessionId: string; label: string }[];
  /** True when no session is chosen: `session` is the most recently active one and moves with the agent. */
  following: boolean;
  session: SessionSeries | null;
  tables: PanelTables;
  dataQuality: DataQuality;
  priceVersion: string;
  team: TeamPanel | null;
}

/** Host → webview. */
export type HostMessage = { type: 'snapshot'; snapshot: PanelSnapshot };

/** Webview → host, validated by the host. */
export const webviewMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  /** null: follow the most recently active session. */
  z.object({ type: z.literal('selectSession'), sessionId: z.string().min(1).max(200).nullable() }),
  z.object({ type: z.literal('setRange'), range: z.enum(TABLE_RANGES) }),
  z.object({ type: z.literal('runCommand'), command: z.enum(['exportReport', 'showLog', 'openSettings', 'showSessionCost', 'configureTeamSync', 'syncNow', 'setBudget']) }),
  /** Hide a finding for 24 hours (its notifications too). */
  z.object({ type: z.literal('snoozeFinding'), id: z.string().min(1).max(500) }),
]);
export type WebviewMessage = z.infer<typeof webviewMessageSchema>;

/** What the webview keeps with `setState` (and the serializer hands back after a reload). */
export const panelStateSchema = z.object({
  sessionId: z.string().min(1).max(200).nullable().default(null),
  range: z.enum(TABLE_RANGES).default('month'),
});
export type PanelState = z.infer<typeof panelStateSchema>;
