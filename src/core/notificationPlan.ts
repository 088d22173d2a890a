// What Agent Meter tells a developer without being asked (DESIGN §1 "Notifications", §5, §6): which findings surface
// (the panel's list, the status bar's tooltip), which notifications fire now, and the snoozes both respect. Pure: the
// findings, the budget lines, what was already said and the clock in; what to show and the memory to keep out. The
// adapter (src/vscode/notifications.ts) persists the memory in `globalState` and only shows the messages (without an
// "Agent Meter:" prefix: VS Code names the source on every toast).
//
// Keys: a notification is shown once per key, ever (a restart keeps the memory):
//   finding:<finding id>:<severity>         a critical finding, or any retry loop or runaway burn
//   <line>:<period>:<level>                 a budget line crossing warn / throttle / stop, e.g. month:2026-11:throttle
//   <line>:<period>:projected               a budget line's forecast passing its stop threshold
// Snoozes are per subject, for SNOOZE_MS: `finding:<id>` (hidden from the panel and the tooltip too) or `<line>:<period>`
// (no notifications for that budget line in that period).
import * as z from 'zod';
import { compareFindings, turnRange, usd, type Finding } from './findings';
import type { PeriodLine } from './panelProtocol';

/** How long "Snooze" lasts. */
export const SNOOZE_MS = 24 * 3_600_000;
/** A finding whose last request is older than this when first considered is history (e.g. the first scan's), not news. */
export const NEWS_MS = 30 * 60_000;
/** At most this many toasts per pass; more are folded into one "and N more" toast (the panel lists them all). */
export const MAX_PER_PASS = 3;
/** Notified keys older than this are forgotten: every period in a key (a month at most) is over by then, and a
 * finding that old is no longer news, so forgetting cannot repeat a notification. */
export const FORGET_AFTER_MS = 45 * 86_400_000;

/** What was said and what is snoozed: key → when it was notified, subject → snoozed until (ISO). */
export const alertMemorySchema = z.object({
  notified: z.record(z.string(), z.string()).default({}),
  snoozed: z.record(z.string(), z.string()).default({}),
});
export type AlertMemory = z.infer<typeof alertMemorySchema>;

export function emptyMemory(): AlertMemory {
  return { notified: {}, snoozed: {} };
}

/** The stored memory, or an empty one when it is missing or malformed (never an exception at start-up). */
export function readMemory(stored: unknown): AlertMemory {
  const parsed = alertMemorySchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : emptyMemory();
}

export function findingSubject(id: string): string {
  return `finding:${id}`;
}

/** The period a budget line is about: the session's id, the day, the week's Monday, or the month (YYYY-MM). */
export function periodKey(line: Pick<PeriodLine, 'id' | 'from' | 'sessionId'>): string {
  if (line.id === 'session') return line.sessionId ?? line.from;
  if (line.id === 'month') return line.from.slice(0, 7);
  return line.from;
}

export function budgetSubject(line: Pick<PeriodLine, 'id' | 'from' | 'sessionId'>): string {
  return `${line.id}:${periodKey(line)}`;
}

export function isSnoozed(memory: AlertMemory, subject: string, now: Date): boolean {
  const until = memory.snoozed[subject];
  return until !== undefined && Date.parse(until) > now.getTime();
}

/** The memory with `subject` snoozed for SNOOZE_MS from `now`. */
export function snooze(memory: AlertMemory, subject: string, now: Date): AlertMemory {
  return { notified: memory.notified, snoozed: { ...memory.snoozed, [subject]: new Date(now.getTime() + SNOOZE_MS).toISOString() } };
}

/** Expired snoozes and long-past keys dropped (the memory lives in globalState and must not grow for ever). */
export function pruneMemory(memory: AlertMemory, now: Date): AlertMemory {
  const t = now.getTime();
  const notified: Record<string, string> = {};
  for (const [key, at] of Object.entries(memory.notified)) if (t - Date.parse(at) < FORGET_AFTER_MS) notified[key] = at;
  const snoozed: Record<string, string> = {};
  for (const [subject, until] of Object.entries(memory.snoozed)) if (Date.parse(until) > t) snoozed[subject] = until;
  return { notified, snoozed };
}

function overlaps(a: Finding, b: Finding): boolean {
  return a.firstAt <= b.lastAt && b.firstAt <= a.lastAt;
}

/**
 * The findings the panel lists: the live ones plus the selected session's (which may be older than the live window),
 * each id once, snoozed ones left out, most severe first. A runaway burn computed over the selected session alone is
 * the same episode as a live (all-sessions) burn it overlaps, seen through one session: only the live one is kept.
 */
export function surfacedFindings(live: readonly Finding[], selected: readonly Finding[], memory: AlertMemory, now: Date): Finding[] {
  const byId = new Map<string, Finding>();
  for (const f of live) if (!byId.has(f.id)) byId.set(f.id, f);
  const liveBurns = live.filter((f) => f.kind === 'runaway-burn');
  for (const f of selected) {
    if (byId.has(f.id)) continue;
    if (f.kind === 'runaway-burn' && liveBurns.some((b) => overlaps(b, f))) continue;
    byId.set(f.id, f);
  }
  return [...byId.values()].filter((f) => !isSnoozed(memory, findingSubject(f.id), now)).sort(compareFindings);
}

/** Escapes text for a markdown tooltip; `(` too, so nothing in a finding can turn into a `$(icon)`. */
function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

/**
 * The status bar tooltip's findings lines (markdown with theme icons): the first `max` findings with severity,
 * summary, dollars at stake and session; a count of the rest. No lines without findings.
 */
export function findingsTooltipLines(findings: readonly Finding[], sessionName: (sessionId: string) => string, max = 3): string[] {
  if (findings.length === 0) return [];
  const lines = [`**Findings** (${findings.length})`, ''];
  for (const f of findings.slice(0, max)) {
    const icon = f.severity === 'critical' ? '$(error)' : '$(warning)';
    lines.push(`${icon} ${md(f.summary)} — **${md(usd(f.usdAtStake))}** at stake · ${md(sessionName(f.sessionId))}`, '');
  }
  if (findings.length > max) lines.push(`…and ${findings.length - max} more in the budget panel`, '');
  return lines;
}

/** How loud a notification is: `error` only for a budget that is used up (work stops there); see notifications.ts. */
export type NotificationLevel = 'info' | 'warning' | 'error';

export interface PlannedNotification {
  /** The key it is shown once for ('' for the "and N more" summary). */
  key: string;
  /** What "Snooze" snoozes ('' for the summary). */
  subject: string;
  level: NotificationLevel;
  message: string;
  /** The session "Open Panel" shows (a finding's, or a session budget's). */
  sessionId?: string;
}

export interface PlanInput {
  /** Live findings (all of them; snoozed ones are skipped here). */
  findings: readonly Finding[];
  /** The budget lines (liveBudgetLines). */
  lines: readonly PeriodLine[];
  memory: AlertMemory;
  now: Date;
  /** `agentMeter.notifications.enabled`. */
  enabled: boolean;
  /** A session's short name ("app · 1a2b3c4d"). */
  sessionName: (sessionId: string) => string;
}

export interface NotificationPlanResult {
  show: PlannedNotification[];
  /** The memory after this pass (keys of everything shown or folded into the summary, pruned). */
  memory: AlertMemory;
}

const LEVELS = ['warn', 'throttle', 'stop'] as const;
type AlertLevel = (typeof LEVELS)[number];
const PERIOD_NAMES: Record<PeriodLine['id'], string> = { session: 'Session', today: 'Daily', week: 'Weekly', month: 'Monthly' };
const PERIOD_SPEND: Record<PeriodLine['id'], string> = { session: "this session's", today: "today's", week: "this week's", month: "this month's" };
const PERIOD_END: Record<PeriodLine['id'], string> = { session: 'the end of the session', today: 'the end of the day', week: 'the end of the week', month: 'the end of the month' };
const RANK: Record<NotificationLevel, number> = { error: 0, warning: 1, info: 2 };

function dollars(n: number): string {
  return `$${n.toFixed(2)}`;
}

function budgetMessage(line: PeriodLine, level: AlertLevel): string {
  const name = PERIOD_NAMES[line.id];
  const spent = `${dollars(line.costUsd)} of ${dollars(line.budgetUsd!)}`;
  const percent = Math.floor(line.percent ?? 0);
  if (level === 'stop') return `${name} budget used up: ${spent} (${percent}%). With the budget guard installed, Claude Code starts no new prompts.`;
  const pace = line.projectedToExceed && line.forecastUsd !== null ? ` At this pace it reaches ${dollars(line.forecastUsd)} by ${PERIOD_END[line.id]}.` : '';
  if (level === 'throttle') return `${name} budget at ${percent}% (${spent}), the throttle level.${pace} With the budget guard installed, new subagents are refused.`;
  return `${name} budget at ${percent}% (${spent}).${pace}`;
}

function findingMessage(f: Finding, sessionName: string): string {
  const turns = turnRange(f.turns);
  return `${f.summary}. ${usd(f.usdAtStake)} at stake in ${sessionName}${turns ? ` (${turns})` : ''}. ${f.action}`;
}

/** A finding worth a notification: critical, or a retry loop or runaway burn at any severity. */
export function isNotifiable(f: Finding): boolean {
  return f.severity === 'critical' || f.kind === 'retry-loop' || f.kind === 'runaway-burn';
}

/**
 * Which notifications to show now. Per budget line: the highest level reached whose key is new (lower levels of the
 * same period are marked as said: a line first seen at stop does not later announce throttle), else "projected to
 * exceed" once per period. Per notifiable finding: once per (id, severity), only while its last request is less than
 * NEWS_MS old. Snoozed subjects are skipped and not marked, so they can speak once the snooze is over. Loudest first;
 * beyond MAX_PER_PASS the rest become one summary toast. Disabled: nothing shown, nothing marked.
 */
export function planNotifications(input: PlanInput): NotificationPlanResult {
  const { now } = input;
  let memory = pruneMemory(input.memory, now);
  if (!input.enabled) return { show: [], memory };
  const notified = { ...memory.notified };
  const stamp = now.toISOString();
  const due: (PlannedNotification & { marks: string[]; weight: number })[] = [];

  for (const line of input.lines) {
    if (line.budgetUsd === null || line.percent === null) continue;
    const subject = budgetSubject(line);
    if (isSnoozed(memory, subject, now)) continue;
    const reached = LEVELS.indexOf(line.level as AlertLevel);
    const sessionId = line.id === 'session' ? line.sessionId : undefined;
    if (reached >= 0 && notified[`${subject}:${LEVELS[reached]}`] === undefined) {
      const level = LEVELS[reached]!;
      due.push({
        key: `${subject}:${level}`,
        subject,
        level: level === 'stop' ? 'error' : level === 'throttle' ? 'warning' : 'info',
        message: budgetMessage(line, level),
        ...(sessionId ? { sessionId } : {}),
        // The message carries the forecast, so "projected to exceed" is said with it.
        marks: [...LEVELS.slice(0, reached + 1).map((l) => `${subject}:${l}`), ...(line.projectedToExceed ? [`${subject}:projected`] : [])],
        weight: line.costUsd,
      });
    } else if (line.projectedToExceed && line.forecastUsd !== null && notified[`${subject}:projected`] === undefined) {
      due.push({
        key: `${subject}:projected`,
        subject,
        level: 'info',
        message: `At the current pace ${PERIOD_SPEND[line.id]} spend reaches ${dollars(line.forecastUsd)} by ${PERIOD_END[line.id]}, over the ${dollars(line.budgetUsd)} ${PERIOD_NAMES[line.id].toLowerCase()} budget.`,
        marks: [`${subject}:projected`],
        weight: line.forecastUsd,
      });
    }
  }

  for (const f of input.findings) {
    if (!isNotifiable(f)) continue;
    const key = `${findingSubject(f.id)}:${f.severity}`;
    if (notified[key] !== undefined) continue;
    if (isSnoozed(memory, findingSubject(f.id), now)) continue;
    if (!(now.getTime() - Date.parse(f.lastAt) < NEWS_MS)) continue;
    due.push({
      key,
      subject: findingSubject(f.id),
      level: 'warning',
      message: findingMessage(f, input.sessionName(f.sessionId)),
      sessionId: f.sessionId,
      // A critical finding seen first need not announce its warning stage later.
      marks: f.severity === 'critical' ? [key, `${findingSubject(f.id)}:warning`] : [key],
      weight: f.usdAtStake,
    });
  }

  due.sort((a, b) => RANK[a.level] - RANK[b.level] || b.weight - a.weight);
  for (const d of due) for (const k of d.marks) notified[k] = stamp;
  memory = { notified, snoozed: memory.snoozed };
  const strip = ({ marks: _marks, weight: _weight, ...n }: (typeof due)[number]): PlannedNotification => n;
  if (due.length <= MAX_PER_PASS) return { show: due.map(strip), memory };
  const shown = due.slice(0, MAX_PER_PASS - 1).map(strip);
  const rest = due.slice(MAX_PER_PASS - 1);
  const loudest = rest.reduce<NotificationLevel>((l, d) => (RANK[d.level] < RANK[l] ? d.level : l), 'info');
  shown.push({ key: '', subject: '', level: loudest, message: `${rest.length} more budget alerts and findings; the budget panel lists them.` });
  return { show: shown, memory };
}
