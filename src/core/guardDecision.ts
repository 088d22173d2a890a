// The Claude Code budget guard's decision (DESIGN.md §6): the budget state the extension writes, the hook's JSON
// from Claude Code, and the clock in; an exit code and what to print out. Pure, so every case is a unit test; the
// hook process (src/guard/guard.ts) only reads stdin and the state file around it.
//
// The guard fails open: a missing, unreadable, invalid or stale state file, or a hook input it does not understand,
// lets the agent through. A guard that blocked on its own malfunction would stop people working for no reason.
//
// The zod schema is the contract for writers and readers that load zod anyway. The hook must start fast and does
// not: it uses `isBudgetState`, a hand-written equivalent (a test checks the two agree). The schema is built by a
// /* @__PURE__ */ function call so esbuild drops it, and zod with it, from dist/guard.js (a test checks the bundle):
// a pure mark on `z.object(...)` itself would not do, as esbuild keeps its arguments' calls.
import * as z from 'zod';

export const BUDGET_STATES = ['ok', 'warn', 'throttle', 'stop'] as const;
export type BudgetStateName = (typeof BUDGET_STATES)[number];

/** A state written longer ago than this (or this far in the future) is ignored: the writer is gone or the clock is off. */
export const STALE_AFTER_MS = 10 * 60_000;

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** An ISO-8601 date-time with seconds and a zone (`Date.toISOString()` writes these). */
export function isIsoTimestamp(s: string): boolean {
  return ISO_TIMESTAMP.test(s) && !Number.isNaN(Date.parse(s));
}

/** `<stateDir>/budget-state.json`. Unknown fields are ignored (a later writer may add some). */
export const budgetStateSchema = /* @__PURE__ */ (() =>
  z.object({
    version: z.literal(1),
    updatedAt: z.string().refine(isIsoTimestamp, 'not an ISO-8601 date-time'),
    state: z.enum(BUDGET_STATES),
    reason: z.string(),
    /** Set when a session budget decides the state: it applies to that Claude Code session only. */
    sessionId: z.string().min(1).optional(),
  }))();
export type BudgetState = z.infer<typeof budgetStateSchema>;

/** The hook's equivalent of `budgetStateSchema.safeParse(o).success`, without zod. */
export function isBudgetState(o: unknown): o is BudgetState {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return false;
  const r = o as Record<string, unknown>;
  return (
    r['version'] === 1 &&
    typeof r['updatedAt'] === 'string' &&
    isIsoTimestamp(r['updatedAt']) &&
    (BUDGET_STATES as readonly unknown[]).includes(r['state']) &&
    typeof r['reason'] === 'string' &&
    (r['sessionId'] === undefined || (typeof r['sessionId'] === 'string' && r['sessionId'].length > 0))
  );
}

/** Whether a state written at `updatedAt` still speaks for the extension at `now`. */
export function isFresh(updatedAt: string, now: Date): boolean {
  const age = now.getTime() - Date.parse(updatedAt);
  return Number.isFinite(age) && Math.abs(age) <= STALE_AFTER_MS;
}

/** Why the guard decided as it did (for tests and debugging; Claude Code only sees the exit code and the output). */
export type GuardBasis = 'no-input' | 'no-state' | 'invalid-state' | 'stale-state' | 'other-session' | 'state';

export interface GuardDecision {
  exitCode: 0 | 2;
  /** JSON for Claude Code (exit 0 only). */
  stdout?: string;
  /** The reason a blocked prompt or tool call shows (exit 2 only). */
  stderr?: string;
  basis: GuardBasis;
}

/** The tool that starts a subagent: `Agent` in API requests, `Task` in older versions (notes §7, §11). */
export const SUBAGENT_TOOLS: readonly string[] = ['Agent', 'Task'];

const FALLBACK_REASON: Record<'throttle' | 'stop', string> = {
  throttle: 'Agent Meter: the budget is nearly used up.',
  stop: 'Agent Meter: the budget is used up.',
};

/**
 * What the hook does for one Claude Code event:
 * - `stop`: a new prompt is refused (exit 2, the reason on stderr, which the CLI shows), and so is a new subagent;
 * - `throttle`: a new subagent is refused (the model reads the reason in the tool result and carries on without
 *   one); a prompt goes through with the reason as a `systemMessage`, which Claude Code shows to the user;
 * - `ok`, `warn`, anything else, or any doubt: allowed, silently.
 */
export function guardDecision(stateText: string | undefined, hookInput: unknown, now: Date): GuardDecision {
  const event = hookEvent(hookInput);
  if (!event) return { exitCode: 0, basis: 'no-input' };
  if (stateText === undefined) return { exitCode: 0, basis: 'no-state' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(stateText);
  } catch {
    return { exitCode: 0, basis: 'invalid-state' };
  }
  if (!isBudgetState(parsed)) return { exitCode: 0, basis: 'invalid-state' };
  if (!isFresh(parsed.updatedAt, now)) return { exitCode: 0, basis: 'stale-state' };

  const { state } = parsed;
  if (state !== 'throttle' && state !== 'stop') return { exitCode: 0, basis: 'state' };
  // A session budget's state is about one session; another session (a new one, most often) goes through.
  if (parsed.sessionId !== undefined && event.sessionId !== parsed.sessionId) return { exitCode: 0, basis: 'other-session' };
  const reason = parsed.reason.trim() || FALLBACK_REASON[state];
  if (event.name === 'UserPromptSubmit') {
    if (state === 'stop') return { exitCode: 2, stderr: `${reason}\n`, basis: 'state' };
    return { exitCode: 0, stdout: `${JSON.stringify({ systemMessage: reason })}\n`, basis: 'state' };
  }
  if (event.name === 'PreToolUse' && event.tool !== undefined && SUBAGENT_TOOLS.includes(event.tool)) {
    const advice =
      state === 'stop'
        ? 'The budget guard blocks new subagents until the budget allows them again.'
        : 'The budget guard pauses new subagents while spending is near the budget; carry on without delegating.';
    return { exitCode: 2, stderr: `${reason} ${advice}\n`, basis: 'state' };
  }
  return { exitCode: 0, basis: 'state' };
}

/**
 * The hook's stdin as a value for guardDecision. Input cut off at the read limit (a huge pasted prompt) is not
 * JSON; its event and tool names, which Claude Code writes before the prompt or the tool's input, are still read.
 */
export function readHookInput(text: string, complete: boolean): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (complete) return undefined;
    const field = (name: string) => new RegExp(`"${name}"\\s*:\\s*"([A-Za-z_]+)"`).exec(text)?.[1];
    const event = field('hook_event_name');
    const sessionId = /"session_id"\s*:\s*"([A-Za-z0-9_-]+)"/.exec(text)?.[1];
    return event === undefined ? undefined : { hook_event_name: event, tool_name: field('tool_name'), session_id: sessionId };
  }
}

function hookEvent(input: unknown): { name: string; tool: string | undefined; sessionId: string | undefined } | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const r = input as Record<string, unknown>;
  const name = r['hook_event_name'];
  if (typeof name !== 'string') return undefined;
  const tool = r['tool_name'];
  const sessionId = r['session_id'];
  return { name, tool: typeof tool === 'string' ? tool : undefined, sessionId: typeof sessionId === 'string' ? sessionId : undefined };
}
