// The budget panel's words and numbers: every dollar figure, token count, percentage and sentence the webview shows
// is made here, as a pure function of snapshot values, so the rules ("<$0.01", "12.3k", "— warn") have one home and
// unit tests. No DOM, no clock: the time zone and instants come from the snapshot.
import type { BudgetLevel, BurnRate, DataQuality, PeriodLine, SessionSeries, TurnPoint, TeamEntity, TeamPanel } from '../core/panelProtocol';
import type { TokenCounts } from '../core/usageRecord';

const usdFormat = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const countFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * Money as the panel shows it: `$1,234.56`; exactly 0 is `$0.00`, a positive amount that would round to zero is
 * `<$0.01` (so a cheap request never looks free), and a non-finite value is an em dash.
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return '—';
  if (usd === 0) return '$0.00';
  if (usd > 0 && usd < 0.005) return '<$0.01';
  if (usd < 0 && usd > -0.005) return '>-$0.01';
  return usdFormat.format(usd);
}

/** A chart axis label for money: enough decimals to tell neighbouring ticks `step` apart, at least two. */
export function formatUsdTick(usd: number, step: number): string {
  const decimals = step > 0 && step < 0.01 ? Math.min(6, Math.ceil(-Math.log10(step))) : 2;
  return `$${usd.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals })}`;
}

/** Whole numbers with thousands separators: `12,345`. */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? countFormat.format(n) : '—';
}

const TOKEN_UNITS = [
  { size: 1e3, suffix: 'k' },
  { size: 1e6, suffix: 'M' },
  { size: 1e9, suffix: 'B' },
] as const;

/** Token counts in compact form: `950`, `12.3k`, `123k`, `4.5M`; a trailing `.0` is dropped (`12k`). */
export function formatTokens(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const sign = n < 0 ? '-' : '';
  const abs = Math.abs(n);
  if (abs < 1000) return `${sign}${Math.round(abs)}`;
  for (let i = 0; i < TOKEN_UNITS.length; i++) {
    const unit = TOKEN_UNITS[i]!;
    const value = abs / unit.size;
    const text = value.toFixed(value < 100 ? 1 : 0);
    // 999,960 rounds to "1000k": say "1M" instead, unless there is no bigger unit.
    if (Number(text) >= 1000 && i < TOKEN_UNITS.length - 1) continue;
    return `${sign}${text.replace(/\.0$/, '')}${unit.suffix}`;
  }
  return `${sign}${Math.round(abs)}`;
}

/** A percentage: whole numbers from 10, one decimal below (`7.1%`), `<0.1%` for a sliver, never `-0%`. */
export function formatPercent(percent: number): string {
  if (!Number.isFinite(percent)) return '—';
  if (percent === 0) return '0%';
  if (percent > 0 && percent < 0.05) return '<0.1%';
  if (Math.abs(percent) >= 9.95) return `${Math.round(percent)}%`;
  return `${percent.toFixed(1).replace(/\.0$/, '')}%`;
}

/** Width of a budget or fill bar, in percent of its track: clamped to 0..100. */
export function barPercent(percent: number | null): number {
  if (percent === null || !Number.isFinite(percent)) return 0;
  return Math.min(100, Math.max(0, percent));
}

/** Budget level as a word (the colour repeats it, never replaces it). */
export function levelLabel(level: BudgetLevel): string {
  return level === 'none' ? 'no budget' : level;
}

/** The budget line of a period card: "$7.10 of $10.00 (71%) — warn", or "No budget set". */
export function budgetText(period: PeriodLine): string {
  if (period.budgetUsd === null) return 'No budget set';
  const percent = period.percent ?? (period.budgetUsd > 0 ? (period.costUsd / period.budgetUsd) * 100 : null);
  const share = percent === null ? '' : ` (${formatPercent(percent)})`;
  return `${formatUsd(period.costUsd)} of ${formatUsd(period.budgetUsd)}${share} — ${levelLabel(period.level)}`;
}

/** "1 request" / "1,234 requests". */
export function requestsText(n: number): string {
  return `${formatCount(n)} ${n === 1 ? 'request' : 'requests'}`;
}

/** The burn line: "$1.20/h over the last 30 min · forecast end of day $4.56 · end of month $78.90". */
export function burnText(burn: BurnRate): string {
  return (
    `${formatUsd(burn.usdPerHour)}/h over the last ${formatCount(burn.windowMinutes)} min` +
    ` · forecast end of day ${formatUsd(burn.endOfDayUsd)}` +
    ` · end of month ${formatUsd(burn.endOfMonthUsd)}`
  );
}

/**
 * The wall-clock time of an instant in the user's zone, "14:03:22". Falls back to UTC when the zone is unknown to
 * this browser, and to the raw text when the instant does not parse.
 */
export function formatClock(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const options: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' };
  try {
    return new Intl.DateTimeFormat('en-GB', { ...options, timeZone }).format(ms);
  } catch {
    return new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' }).format(ms);
  }
}

/** Token columns of the tables: cache writes are one column (5-minute and 1-hour writes summed). */
export interface TokenColumns {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export function tokenColumns(t: TokenCounts): TokenColumns {
  return { input: t.input, output: t.output, cacheRead: t.cacheRead, cacheWrite: t.cacheWrite5m + t.cacheWrite1h };
}

/** Context fill in percent of the window, or null when the window is unknown (0). */
export function contextPercent(contextTokens: number, contextWindow: number): number | null {
  if (!(contextWindow > 0) || !Number.isFinite(contextTokens)) return null;
  return (contextTokens / contextWindow) * 100;
}

/** "62% of 200k (124k tokens)", or the bare token count when the window is unknown. */
export function contextFillText(contextTokens: number, contextWindow: number): string {
  const percent = contextPercent(contextTokens, contextWindow);
  if (percent === null) return `${formatTokens(contextTokens)} tokens`;
  return `${formatPercent(percent)} of ${formatTokens(contextWindow)} (${formatTokens(contextTokens)} tokens)`;
}

/** One piece of the data-quality line; `flagged` pieces need the user's attention (shown with a glyph and text). */
export interface QualityPart {
  text: string;
  flagged: boolean;
}

/**
 * The data-quality line as pieces: "12 files", "3,456 lines", "3 rejected (schema: 2, not-json: 1)",
 * "0 unreadable", "unpriced: model-a, model-b". Reasons are listed most frequent first.
 */
export function dataQualityParts(dq: DataQuality): QualityPart[] {
  const reasons = Object.entries(dq.rejected)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, n]) => `${reason}: ${formatCount(n)}`);
  const parts: QualityPart[] = [
    { text: `${formatCount(dq.files)} ${dq.files === 1 ? 'file' : 'files'}`, flagged: false },
    { text: `${formatCount(dq.lines)} ${dq.lines === 1 ? 'line' : 'lines'}`, flagged: false },
    {
      text: `${formatCount(dq.rejectedLines)} rejected${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`,
      flagged: dq.rejectedLines > 0,
    },
    { text: `${formatCount(dq.unreadable.length)} unreadable`, flagged: dq.unreadable.length > 0 },
  ];
  parts.push(
    dq.unpricedModels.length > 0
      ? { text: `unpriced: ${dq.unpricedModels.join(', ')}`, flagged: true }
      : { text: 'all models priced', flagged: false },
  );
  return parts;
}

/** The cost chart's spoken summary: "Cost over 14 requests, from $0.01 to $0.84". */
export function costChartSummary(turns: readonly TurnPoint[]): string {
  const first = turns[0];
  const last = turns[turns.length - 1];
  if (!first || !last) return 'Cost over time: no requests yet';
  return `Cost over ${requestsText(turns.length)}, from ${formatUsd(first.cumulativeUsd)} to ${formatUsd(last.cumulativeUsd)}`;
}

/**
 * The context chart's spoken summary: "Context per turn over 30 turns, latest 124k tokens (62% of 200k),
 * peak 150k, 1 compaction".
 */
export function contextChartSummary(session: Pick<SessionSeries, 'turns' | 'contextWindow' | 'compactions'>): string {
  const { turns, contextWindow, compactions } = session;
  const last = turns[turns.length - 1];
  if (!last) return 'Context per turn: no turns yet';
  const peak = turns.reduce((max, t) => Math.max(max, t.contextTokens), 0);
  const percent = contextPercent(last.contextTokens, contextWindow);
  const latest =
    percent === null
      ? `${formatTokens(last.contextTokens)} tokens`
      : `${formatTokens(last.contextTokens)} tokens (${formatPercent(percent)} of ${formatTokens(contextWindow)})`;
  const n = compactions.length;
  const compacted = n > 0 ? `, ${formatCount(n)} ${n === 1 ? 'compaction' : 'compactions'}` : '';
  return `Context per turn over ${formatCount(turns.length)} ${turns.length === 1 ? 'turn' : 'turns'}, latest ${latest}, peak ${formatTokens(peak)}${compacted}`;
}

const PERIOD_NAMES = { daily: 'Today', weekly: 'This week', monthly: 'This month' } as const;

/** "Today", "This week", "This month" for a team budget period. */
export function teamPeriodLabel(period: keyof typeof PERIOD_NAMES): string {
  return PERIOD_NAMES[period];
}

/** The team budget line of a card: "$7.10 of $10.00 (71%) — warn", or "No team budget". */
export function teamBudgetText(p: TeamEntity['periods'][number]): string {
  if (p.limitUsd === null) return 'No team budget';
  const share = p.percent === null ? '' : ` (${formatPercent(p.percent)})`;
  return `${formatUsd(p.spentUsd)} of ${formatUsd(p.limitUsd)}${share} — ${levelLabel(p.level)}`;
}

/** The sync line: where to, how it went, what is pending. */
export function teamSyncText(team: TeamPanel, timeZone: string): string {
  const where = `${team.mode === 'otlp' ? 'OTLP to ' : ''}${team.endpoint}`;
  const pending = `${formatCount(team.pendingRows)} ${team.pendingRows === 1 ? 'row' : 'rows'}`;
  switch (team.sync) {
    case 'no-token':
      return `Team sync to ${where} needs a token (Agent Meter: Set Team Token).`;
    case 'never':
      return `Team sync to ${where}: not synced yet.`;
    case 'syncing':
      return `Syncing with ${where}…`;
    case 'ok':
      return `Synced with ${where}${team.lastSuccessAt ? ` at ${formatClock(team.lastSuccessAt, timeZone)}` : ''}${team.pendingRows ? ` · ${pending} pending` : ''}.`;
    case 'retrying':
    case 'failed': {
      const next = team.nextAttemptAt ? `, next try at ${formatClock(team.nextAttemptAt, timeZone)}` : '';
      return `Sync with ${where} failed: ${team.lastError ?? 'unknown error'} — ${pending} kept${next}.`;
    }
  }
}
