// What the status bar item says (DESIGN §1, STYLE 9): the active session's cost and context fill, or today's
// total; a warning/error background only when a budget threshold or the critical context level is crossed; a
// markdown tooltip with the breakdown. Pure: the adapter in src/vscode copies these fields onto the item.
import { worstLevel } from './budget';
import { localDate } from './calendar';
import { contextOf, type LiveSession, type LiveTotals } from './liveTotals';
import type { BudgetLevel, PeriodLine, TeamEntity, TeamPanel } from './panelProtocol';
import { teamLevel } from './teamPanelView';
import { burnRate, BURN_WINDOW_MINUTES, liveBudgetLines, sessionName } from './panelView';
import type { PanelBudgets } from './periods';
import type { TokenCounts } from './usageRecord';
import type { ReadDiagnostics } from './ledger';

export interface StatusBarInput {
  live: LiveTotals;
  show: 'session' | 'today';
  budgets: PanelBudgets;
  contextCriticalPercent: number;
  now: Date;
  /** The first scan is still running. */
  scanning: boolean;
  /** Rejected lines, unreadable files, unpriced models, store warnings: one short line each. */
  dataWarnings: string[];
  /** Team sync's state and the team server's budget answer; a team level counts like a personal one. */
  team?: TeamPanel | null;
}

export interface StatusBarView {
  text: string;
  /** Markdown. */
  tooltip: string;
  background: 'none' | 'warning' | 'error';
  accessibilityLabel: string;
}

export function money(usd: number): string {
  const abs = Math.abs(usd);
  const s = abs.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${usd < 0 ? '-' : ''}$${s}`;
}

/** "1 request", "3 requests". */
export function requestCount(n: number): string {
  return `${n} ${n === 1 ? 'request' : 'requests'}`;
}

/** 1234 → "1.2k", 4_500_000 → "4.5M". */
export function compactNumber(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${Math.round(n / 1e3)}k`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** Escapes text for a markdown tooltip (project paths and model ids come from logs). */
function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

function tokenLine(t: TokenCounts): string {
  return `input ${compactNumber(t.input)} · output ${compactNumber(t.output)} · cache read ${compactNumber(t.cacheRead)} · cache write ${compactNumber(t.cacheWrite5m)} (5m) + ${compactNumber(t.cacheWrite1h)} (1h)`;
}

function periodText(p: PeriodLine): string {
  if (p.budgetUsd === null || p.percent === null) return `${money(p.costUsd)}`;
  const level = p.level === 'ok' ? '' : ` — **${p.level}**`;
  return `${money(p.costUsd)} of ${money(p.budgetUsd)} (${Math.round(p.percent)}%)${level}`;
}

const LEVEL_WORDS: Record<BudgetLevel, string> = { none: '', ok: '', warn: 'budget warning', throttle: 'budget throttle level', stop: 'budget exceeded' };

export function statusBarView(input: StatusBarInput): StatusBarView {
  const { live, now } = input;
  const periods = liveBudgetLines(live, input.budgets, now);
  const budgetLevel = worstLevel([...periods.map((p) => p.level), teamLevel(input.team ?? null)]);
  const session: LiveSession | undefined = live.latestSession();
  const ctx = session ? contextOf(session, live.prices) : undefined;
  const fill = ctx && ctx.window > 0 && session!.latest ? Math.round((100 * ctx.tokens) / ctx.window) : undefined;
  const contextCritical = fill !== undefined && fill >= input.contextCriticalPercent;
  const todayCost = periods.find((p) => p.id === 'today')!.costUsd;

  let text: string;
  let label: string;
  if (input.scanning && live.requests === 0) {
    text = '$(sync~spin) Agent Meter';
    label = 'Agent Meter: reading agent logs';
  } else if (input.show === 'today' || !session) {
    text = `${input.scanning ? '$(sync~spin)' : '$(pulse)'} ${money(todayCost)} today`;
    label = `Agent Meter: ${money(todayCost)} spent today`;
  } else {
    const ctxText = fill !== undefined ? ` · ${fill}% ctx` : '';
    text = `${input.scanning ? '$(sync~spin)' : '$(pulse)'} ${money(session.costUsd)}${ctxText}`;
    label = `Agent Meter: session cost ${money(session.costUsd)}${fill !== undefined ? `, context ${fill}% full` : ''}`;
  }
  const alerts = [LEVEL_WORDS[budgetLevel], contextCritical ? `context ${fill}% full` : ''].filter(Boolean);
  if (alerts.length) label += `; ${alerts.join('; ')}`;

  const lines: string[] = ['**Agent Meter**', ''];
  if (session) {
    lines.push(`Session \`${session.sessionId.slice(0, 8)}\` · ${md(sessionName(session.sessionId, session.project))} (${session.agent === 'codex' ? 'Codex' : 'Claude Code'})`, '');
    if (ctx?.model) lines.push(`Model: \`${ctx.model}\``, '');
    const extra = session.estimatedExtraUsd > 0 ? ` (+ ${money(session.estimatedExtraUsd)} estimated)` : '';
    lines.push(`Cost: **${money(session.costUsd)}**${extra} · ${requestCount(session.requests)}`, '');
    lines.push(`Tokens: ${tokenLine(session.tokens)}`, '');
    if (ctx && fill !== undefined) lines.push(`Context: ${compactNumber(ctx.tokens)} / ${compactNumber(ctx.window)} (${fill}%)${contextCritical ? ' — **critical**' : ''}`, '');
    if (session.unpricedRequests > 0) lines.push(`⚠ ${requestCount(session.unpricedRequests)} with an unpriced model (not in the cost)`, '');
  } else {
    lines.push(input.scanning ? 'Reading agent logs…' : 'No agent sessions found yet.', '');
  }
  lines.push(`Burn rate: ${money(burnRate(live, now))}/h (last ${BURN_WINDOW_MINUTES} min)`, '');
  for (const p of periods) lines.push(`${p.label}: ${periodText(p)}`, '');
  if (input.team) lines.push(...teamLines(input.team));
  for (const w of input.dataWarnings) lines.push(`⚠ ${md(w)}`, '');
  lines.push('Click to open the budget panel.');

  const background = budgetLevel === 'stop' ? 'error' : budgetLevel === 'warn' || budgetLevel === 'throttle' || contextCritical ? 'warning' : 'none';
  return { text, tooltip: lines.join('\n'), background, accessibilityLabel: label };
}

const PERIOD_WORDS = { daily: 'today', weekly: 'this week', monthly: 'this month' } as const;

function entityLine(who: string, e: TeamEntity): string {
  const parts = e.periods.map((p) => {
    const of = p.limitUsd !== null && p.percent !== null ? ` of ${money(p.limitUsd)} (${Math.round(p.percent)}%)` : '';
    const level = p.level === 'ok' || p.level === 'none' ? '' : ` **${p.level}**`;
    return `${PERIOD_WORDS[p.period]} ${money(p.spentUsd)}${of}${level}`;
  });
  return `${who}: ${parts.join(' · ')}`;
}

/** Tooltip lines for team sync: the team's and your standing, then the sync's own state. */
function teamLines(team: TeamPanel): string[] {
  const lines: string[] = [];
  if (team.team) lines.push(entityLine(`Team ${md(team.team.id)}`, team.team), '');
  if (team.member) lines.push(entityLine('You on the team', team.member), '');
  const sync =
    team.sync === 'no-token' ? 'no token (run Agent Meter: Set Team Token)'
    : team.sync === 'ok' ? `ok${team.pendingRows ? `, ${team.pendingRows} row(s) pending` : ''}`
    : team.sync === 'retrying' || team.sync === 'failed' ? `${team.sync}: ${md(team.lastError ?? 'unknown error')}, ${team.pendingRows} row(s) kept`
    : team.sync;
  lines.push(`Team sync (${md(team.endpoint)}): ${sync}`, '');
  return lines;
}

/** The data-quality lines of the tooltip: counts and reasons, never log content. */
export function dataWarnings(d: ReadDiagnostics, storeWarnings: string[]): string[] {
  const out: string[] = [];
  if (d.rejectedLines > 0) out.push(`${d.rejectedLines} log line(s) could not be used (see Agent Meter: Show Log)`);
  if (d.unreadable.length > 0) out.push(`${d.unreadable.length} log file(s) or folder(s) could not be read`);
  out.push(...storeWarnings);
  return out;
}
