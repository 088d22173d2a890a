// Findings (DESIGN §5): what the detectors say about a session while it happens — context creep, retry loops,
// runaway burn, cache churn. Each finding has a stable id (shown and notified once, however often the detectors
// run), the turns involved, evidence in a developer's words, a suggested action and the dollars at stake. The
// detectors are pure functions over a session's timeline (sessionTimeline.ts); this module holds the shared types
// and thresholds. Nothing here carries prompt text or tool content: tool calls are known by name and hash only.
import type { TokenCounts } from './usageRecord';

export const FINDING_KINDS = ['context-creep', 'retry-loop', 'runaway-burn', 'cache-churn'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
export type FindingSeverity = 'warning' | 'critical';

/** The shapes of retry loop the detector knows (DESIGN §5). */
export type LoopPattern = 'api-errors' | 'same-tool-call' | 'failing-command' | 'edit-fail-cycle' | 'max-tokens';

export interface Finding {
  /** Stable across runs: kind, session and what anchors the finding (first turn, compaction segment, window start). */
  id: string;
  kind: FindingKind;
  pattern?: LoopPattern;
  /** The session the finding is about (runaway burn: the session that spent most in the window). */
  sessionId: string;
  /** '' = the main thread; otherwise the subagent's id. */
  thread: string;
  severity: FindingSeverity;
  /** Dollars spent inside the loop, re-sent as context, or lost to missed caching (see each detector). */
  usdAtStake: number;
  /** One line, e.g. "Same Bash command failed 4 times in a row". */
  summary: string;
  /** A few lines of evidence (numbers, tool names, turns), never content. */
  evidence: string[];
  /** What to do about it, e.g. "Fix the failing test by hand, then /clear". */
  action: string;
  /** The thread's request numbers (1-based) involved, first to last. */
  turns: number[];
  firstAt: string;
  lastAt: string;
}

/** A tool call the model made, known by name and fingerprints only (hashes of the input and of its target). */
export interface ToolCallFact {
  name: string;
  /** Hash of the whole input (same name + same fingerprint = the same call). */
  fingerprint: number;
  /** Hash of what the call acts on: a Bash command, an edited file's path (0 = none). */
  target: number;
  /** The tool result came back with is_error. */
  failed: boolean;
}

/** One billed model request of a session, as the detectors see it. */
export interface Turn {
  /** 1-based position among the requests of the same thread. */
  n: number;
  /** '' = main thread, else the subagent id. */
  thread: string;
  at: string;
  model: string;
  tokens: TokenCounts;
  /** Prompt size: input + cache read + cache writes. */
  promptTokens: number;
  /** Cost of the whole request, and of its prompt side only (input + cache read + cache writes). */
  usd: number;
  promptUsd: number;
  /** What the request's cache writes cost above reading the same tokens from cache. */
  cacheWriteExtraUsd: number;
  /** The model's context window. */
  window: number;
  /** Where Claude Code compacts automatically (window − 13k tokens); the window itself for other agents. */
  autoCompactAt: number;
  stopReason?: string;
  tools: ToolCallFact[];
  /** The request came after a compaction (the first of a new context segment). */
  afterCompaction: boolean;
}

export interface SessionTimeline {
  sessionId: string;
  /** Every billed request of the session (main thread and subagents) in time order. */
  turns: Turn[];
  /** API errors the agent logged after its retries ran out, in time order. */
  apiErrors: { at: string; status?: number }[];
}

/** Detector thresholds (settings under `agentMeter.findings.*`, defaults below). */
export interface FindingThresholds {
  /** Context fill warn / critical, percent of the model's window. */
  contextWarnPercent: number;
  contextCriticalPercent: number;
  /** One request that grew the prompt by this share of the window or more is called out (percent). */
  contextJumpPercent: number;
  /** The same tool call (name + input) this many times in a row. */
  sameToolCalls: number;
  /** The same command failing this many times with no success of it in between. */
  failingCommand: number;
  /** Edit of a file followed by a failing run, this many times over on the same file. */
  editFailCycles: number;
  /** This many API-error lines (each is a request whose retries ran out) with no success in between. */
  apiErrors: number;
  /** This many `max_tokens` stops in a row. */
  maxTokens: number;
  /** Runaway burn: spend over `burnWindowMinutes` scaled to an hour, at or above this many USD. */
  burnUsdPerHour: number;
  burnWindowMinutes: number;
  /** Cache churn: this many requests in a row that write most of their prompt to cache instead of reading it. */
  churnTurns: number;
}

export const DEFAULT_THRESHOLDS: FindingThresholds = {
  contextWarnPercent: 60,
  contextCriticalPercent: 80,
  contextJumpPercent: 10,
  sameToolCalls: 5,
  failingCommand: 3,
  editFailCycles: 3,
  apiErrors: 2,
  maxTokens: 2,
  burnUsdPerHour: 30,
  burnWindowMinutes: 15,
  churnTurns: 4,
};

/** "$0.42", "$12.30", "$0.0031" for sub-cent amounts. */
export function usd(n: number): string {
  if (n !== 0 && Math.abs(n) < 0.01) return `$${n.toFixed(4)}`;
  return `$${n.toFixed(2)}`;
}

/** "164k" for token counts. */
export function kTokens(n: number): string {
  return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(2)}M` : n >= 1000 ? `${Math.round(n / 1000)}k` : String(n);
}

/** "the main thread" or "subagent a1b2c3d4". */
export function threadName(thread: string): string {
  return thread ? `subagent ${thread.slice(0, 8)}` : 'the main thread';
}

/** "request 12" or "requests 12–17". */
export function turnRange(turns: number[]): string {
  if (turns.length === 0) return '';
  const first = turns[0]!;
  const last = turns[turns.length - 1]!;
  return first === last ? `request ${first}` : `requests ${first}–${last}`;
}

/** Most severe first, then most dollars, then newest. */
export function compareFindings(a: Finding, b: Finding): number {
  if (a.severity !== b.severity) return a.severity === 'critical' ? -1 : 1;
  if (a.usdAtStake !== b.usdAtStake) return b.usdAtStake - a.usdAtStake;
  return a.lastAt < b.lastAt ? 1 : a.lastAt > b.lastAt ? -1 : 0;
}
