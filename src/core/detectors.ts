// The detectors (DESIGN §5): pure functions over a session's timeline (sessionTimeline.ts) that name what is
// wasting money while it happens. Each finding's id is anchored on something that does not move as the session
// goes on (the first turn of a loop, the compaction segment, the start of a burn episode), so a finding that
// grows keeps its id and is notified once. Thresholds come from the settings (findings.ts has the defaults).
import {
  kTokens,
  threadName,
  turnRange,
  usd,
  type Finding,
  type FindingThresholds,
  type LoopPattern,
  type SessionTimeline,
  type ToolCallFact,
  type Turn,
} from './findings';

/** Tools whose target is a shell command (Claude Code's Bash, Codex's exec_command and older shell), and tools whose
 * target is a file they change (Claude Code's names). */
const COMMAND_TOOLS = new Set(['Bash', 'exec_command', 'shell']);
const EDIT_TOOLS = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit']);

function sum<T>(items: Iterable<T>, pick: (item: T) => number): number {
  let s = 0;
  for (const item of items) s += pick(item);
  return s;
}

/** The session's requests grouped by thread (main first), each in time order. */
function threads(tl: SessionTimeline): Map<string, Turn[]> {
  const by = new Map<string, Turn[]>([['', []]]);
  for (const t of tl.turns) {
    let list = by.get(t.thread);
    if (!list) by.set(t.thread, (list = []));
    list.push(t);
  }
  return by;
}

function finding(f: Omit<Finding, 'firstAt' | 'lastAt' | 'turns'> & { involved: Turn[] }): Finding {
  const { involved, ...rest } = f;
  return { ...rest, turns: involved.map((t) => t.n), firstAt: involved[0]?.at ?? '', lastAt: involved[involved.length - 1]?.at ?? '' };
}

// ---------------------------------------------------------------------------------------------------------------
// Context creep

/**
 * One finding per context segment (the stretch between compactions) of the main thread whose fill reached the warn
 * level: where it crossed warn and critical, the growth per request over the last ten, the requests left until
 * auto-compact at that pace, the prompt cost of each request (the context re-sent), and requests that alone added
 * a large share of the window. Dollars at stake: the prompt side of every request since the fill reached warn.
 */
export function contextCreep(tl: SessionTimeline, t: FindingThresholds): Finding[] {
  const main = tl.turns.filter((x) => x.thread === '');
  const segments: Turn[][] = [];
  for (const turn of main) {
    if (turn.afterCompaction || segments.length === 0) segments.push([]);
    segments[segments.length - 1]!.push(turn);
  }
  const out: Finding[] = [];
  segments.forEach((seg, index) => {
    const fill = (x: Turn) => (100 * x.promptTokens) / x.window;
    const warnAt = seg.findIndex((x) => fill(x) >= t.contextWarnPercent);
    if (warnAt === -1) return;
    const critAt = seg.findIndex((x) => fill(x) >= t.contextCriticalPercent);
    const last = seg[seg.length - 1]!;
    const recent = seg.slice(-10);
    const first = recent[0]!;
    const slope = recent.length > 1 ? (last.promptTokens - first.promptTokens) / (recent.length - 1) : 0;
    const involved = seg.slice(warnAt);
    const atStake = sum(involved, (x) => x.promptUsd);
    const lastFill = Math.round(fill(last));
    const evidence = [
      `Context at ${lastFill}% of ${kTokens(last.window)} (${kTokens(last.promptTokens)} tokens) at request ${last.n}.`,
      `Reached ${t.contextWarnPercent}% at request ${seg[warnAt]!.n}` + (critAt !== -1 ? `, ${t.contextCriticalPercent}% at request ${seg[critAt]!.n}.` : '.'),
    ];
    if (slope > 0) {
      const left = Math.max(0, Math.ceil((last.autoCompactAt - last.promptTokens) / slope));
      evidence.push(`Growing ${kTokens(Math.round(slope))} tokens per request over the last ${recent.length}; about ${left} request${left === 1 ? '' : 's'} until auto-compact at ${kTokens(last.autoCompactAt)}.`);
    }
    evidence.push(`Each request re-sends ${usd(last.promptUsd)} of context; ${usd(atStake)} since it passed ${t.contextWarnPercent}%.`);
    // The largest single-request jumps (at most two), each a tool result that took a big share of the window.
    const jumpTokens = (t.contextJumpPercent / 100) * last.window;
    const jumps: { at: Turn; grew: number; tools: string[] }[] = [];
    for (let i = 1; i < seg.length; i++) {
      const grew = seg[i]!.promptTokens - seg[i - 1]!.promptTokens;
      if (grew >= jumpTokens) jumps.push({ at: seg[i]!, grew, tools: [...new Set(seg[i - 1]!.tools.map((c) => c.name))] });
    }
    for (const j of jumps.sort((a, b) => b.grew - a.grew).slice(0, 2)) {
      const after = j.tools.length ? ` after a ${j.tools.join('/')} call` : '';
      evidence.push(`Request ${j.at.n} added ${kTokens(j.grew)} tokens (${Math.round((100 * j.grew) / last.window)}% of the window)${after}: a large tool result or file read.`);
    }
    const critical = critAt !== -1;
    out.push(
      finding({
        id: `context-creep:${tl.sessionId}:${index}`,
        kind: 'context-creep',
        sessionId: tl.sessionId,
        thread: '',
        severity: critical ? 'critical' : 'warning',
        usdAtStake: atStake,
        summary: `Context at ${lastFill}% of the window and ${slope > 0 ? 'growing' : 'holding'}: ${usd(last.promptUsd)} re-sent per request`,
        evidence,
        action: critical
          ? 'Run /compact now, or /clear if the task is done: every request re-sends the whole context.'
          : 'Plan a /compact at the next natural break; read files by range and trim long command output to keep the context small.',
        involved,
      }),
    );
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Retry loops

/**
 * A retry loop of one pattern in one thread: `count` repeats against its `threshold` (twice the threshold is
 * critical), the requests involved as its dollars, its id anchored on the first of them.
 */
function retryLoop(
  sessionId: string,
  thread: string,
  pattern: LoopPattern,
  count: number,
  threshold: number,
  involved: Turn[],
  text: Pick<Finding, 'summary' | 'evidence' | 'action'>,
): Finding {
  return finding({
    id: `retry-loop:${sessionId}:${thread}:${pattern}:${involved[0]!.n}`,
    kind: 'retry-loop',
    pattern,
    sessionId,
    thread,
    severity: count >= 2 * threshold ? 'critical' : 'warning',
    usdAtStake: sum(involved, (x) => x.usd),
    ...text,
    involved,
  });
}

interface CallAt {
  call: ToolCallFact;
  turn: Turn;
  /** Position in the thread's list of calls. */
  index: number;
}

function callsOf(turns: Turn[]): CallAt[] {
  const calls: CallAt[] = [];
  for (const turn of turns) for (const call of turn.tools) calls.push({ call, turn, index: calls.length });
  return calls;
}

/** The distinct requests from the first involved one to the last, in the thread's order. */
function span(turns: Turn[], from: Turn, to: Turn): Turn[] {
  return turns.slice(turns.indexOf(from), turns.indexOf(to) + 1);
}

function distinctTurns(calls: CallAt[]): Turn[] {
  return [...new Set(calls.map((c) => c.turn))];
}

/**
 * Retry loops of five shapes: API errors with no success in between; the same tool call (name and input) repeated;
 * the same command failing with no success of it in between; edit → failing run → edit of one file; `max_tokens`
 * stops in a row. Dollars at stake: the requests inside the loop (for repeats: the requests that made them).
 */
export function retryLoops(tl: SessionTimeline, t: FindingThresholds): Finding[] {
  const out: Finding[] = [];
  out.push(...apiErrorRuns(tl, t));
  for (const [thread, turns] of threads(tl)) {
    const calls = callsOf(turns);
    const covered = new Set<number>();
    out.push(...failingCommands(tl.sessionId, thread, turns, calls, t, covered));
    out.push(...sameToolCalls(tl.sessionId, thread, calls, t, covered));
    out.push(...editFailCycles(tl.sessionId, thread, turns, calls, t));
    out.push(...maxTokenRuns(tl.sessionId, thread, turns, t));
  }
  return out;
}

function apiErrorRuns(tl: SessionTimeline, t: FindingThresholds): Finding[] {
  const out: Finding[] = [];
  if (tl.apiErrors.length < t.apiErrors) return out;
  const events = [...tl.apiErrors.map((e) => ({ at: e.at, error: e })), ...tl.turns.map((x) => ({ at: x.at, error: undefined }))].sort((a, b) =>
    a.at < b.at ? -1 : a.at > b.at ? 1 : 0,
  );
  let run: { at: string; status?: number }[] = [];
  const close = () => {
    if (run.length >= t.apiErrors) {
      const statuses = [...new Set(run.map((e) => e.status ?? 'connection'))].join(', ');
      out.push({
        id: `retry-loop:${tl.sessionId}:api-errors:${run[0]!.at}`,
        kind: 'retry-loop',
        pattern: 'api-errors',
        sessionId: tl.sessionId,
        thread: '',
        severity: run.length >= 2 * t.apiErrors ? 'critical' : 'warning',
        usdAtStake: 0,
        summary: `${run.length} API errors in a row (${statuses}) with no successful request between them`,
        evidence: [
          `Each error line is a request whose automatic retries ran out; failed attempts are not billed.`,
          `From ${run[0]!.at} to ${run[run.length - 1]!.at}.`,
        ],
        action: 'Check the API status, your network or proxy and rate limits before sending the prompt again.',
        turns: [],
        firstAt: run[0]!.at,
        lastAt: run[run.length - 1]!.at,
      });
    }
    run = [];
  };
  for (const e of events) {
    if (e.error) run.push(e.error);
    else close();
  }
  close();
  return out;
}

function failingCommands(sessionId: string, thread: string, turns: Turn[], calls: CallAt[], t: FindingThresholds, covered: Set<number>): Finding[] {
  const out: Finding[] = [];
  const runs = new Map<number, CallAt[]>();
  const close = (target: number) => {
    const run = runs.get(target);
    runs.delete(target);
    if (!run || run.length < t.failingCommand) return;
    for (const c of run) covered.add(c.index);
    const involved = span(turns, run[0]!.turn, run[run.length - 1]!.turn);
    const between = involved.length - distinctTurns(run).length;
    out.push(
      retryLoop(sessionId, thread, 'failing-command', run.length, t.failingCommand, involved, {
        summary: `The same command failed ${run.length} times in ${threadName(thread)}`,
        evidence: [
          `${run[0]!.call.name} with the same command failed at ${turnRange(distinctTurns(run).map((x) => x.n))}, no success of it in between.`,
          `${involved.length} requests inside the loop${between ? ` (${between} of them other steps)` : ''}: ${usd(sum(involved, (x) => x.usd))}.`,
        ],
        action: 'Stop the agent and look at the failure yourself (or fix the failing test first); tell it what is wrong instead of letting it retry.',
      }),
    );
  };
  for (const c of calls) {
    if (!COMMAND_TOOLS.has(c.call.name) || c.call.target === 0) continue;
    if (!c.call.failed) {
      close(c.call.target);
      continue;
    }
    let run = runs.get(c.call.target);
    if (!run) runs.set(c.call.target, (run = []));
    run.push(c);
  }
  for (const target of [...runs.keys()]) close(target);
  return out;
}

function sameToolCalls(sessionId: string, thread: string, calls: CallAt[], t: FindingThresholds, covered: Set<number>): Finding[] {
  const out: Finding[] = [];
  let i = 0;
  while (i < calls.length) {
    let j = i + 1;
    const a = calls[i]!.call;
    while (j < calls.length && calls[j]!.call.name === a.name && calls[j]!.call.fingerprint === a.fingerprint) j++;
    const run = calls.slice(i, j);
    if (run.length >= t.sameToolCalls && !run.every((c) => covered.has(c.index))) {
      const involved = distinctTurns(run);
      const failed = run.filter((c) => c.call.failed).length;
      out.push(
        retryLoop(sessionId, thread, 'same-tool-call', run.length, t.sameToolCalls, involved, {
          summary: `${a.name} called ${run.length} times in a row with the same input in ${threadName(thread)}`,
          evidence: [
            `Identical ${a.name} calls at ${turnRange(involved.map((x) => x.n))}${failed ? `; ${failed} of them failed` : ''}.`,
            `The requests that made them cost ${usd(sum(involved, (x) => x.usd))}.`,
          ],
          action: 'Interrupt the agent (Esc) and give it the missing fact or a different approach; the same call will give the same answer.',
        }),
      );
    }
    i = j;
  }
  return out;
}

function editFailCycles(sessionId: string, thread: string, turns: Turn[], calls: CallAt[], t: FindingThresholds): Finding[] {
  const out: Finding[] = [];
  /** Per edited file: the cycles so far (edit, then the last failing run after it) and whether the last edit failed. */
  const state = new Map<number, { cycles: { edit: CallAt; fail?: CallAt }[] }>();
  const close = (file: number) => {
    const s = state.get(file);
    state.delete(file);
    if (!s) return;
    const cycles = s.cycles.filter((c) => c.fail);
    if (cycles.length < t.editFailCycles) return;
    const lastFail = cycles[cycles.length - 1]!.fail!;
    const involved = span(turns, cycles[0]!.edit.turn, lastFail.turn);
    out.push(
      retryLoop(sessionId, thread, 'edit-fail-cycle', cycles.length, t.editFailCycles, involved, {
        summary: `Edited one file and saw the run fail ${cycles.length} times over in ${threadName(thread)}`,
        evidence: [
          `${cycles.length} edit → failing run cycles on the same file, ${turnRange(involved.map((x) => x.n))}.`,
          `${involved.length} requests inside the loop: ${usd(sum(involved, (x) => x.usd))}.`,
        ],
        action: 'Fix the failing test first, or give the agent the failing output and the intended behaviour; then let it continue.',
      }),
    );
  };
  for (const c of calls) {
    if (EDIT_TOOLS.has(c.call.name) && c.call.target !== 0) {
      let s = state.get(c.call.target);
      if (!s) state.set(c.call.target, (s = { cycles: [] }));
      const previous = s.cycles[s.cycles.length - 1];
      if (previous && !previous.fail) {
        // The previous edit of this file was not followed by a failure: the loop (if any) ended there.
        close(c.call.target);
        state.set(c.call.target, (s = { cycles: [] }));
      }
      s.cycles.push({ edit: c });
      continue;
    }
    if (!COMMAND_TOOLS.has(c.call.name)) continue;
    for (const [file, s] of state) {
      const open = s.cycles[s.cycles.length - 1];
      if (!open) continue;
      if (c.call.failed) open.fail = c;
      else if (!open.fail) {
        // A run after the edit passed: this file's loop is over.
        close(file);
      }
    }
  }
  for (const file of [...state.keys()]) close(file);
  return out;
}

function maxTokenRuns(sessionId: string, thread: string, turns: Turn[], t: FindingThresholds): Finding[] {
  const out: Finding[] = [];
  let run: Turn[] = [];
  const close = () => {
    if (run.length >= t.maxTokens) {
      out.push(
        retryLoop(sessionId, thread, 'max-tokens', run.length, t.maxTokens, run, {
          summary: `${run.length} responses in a row hit the output limit (max_tokens) in ${threadName(thread)}`,
          evidence: [`${turnRange(run.map((x) => x.n))} stopped at max_tokens; each continuation re-sends the context.`, `They cost ${usd(sum(run, (x) => x.usd))}.`],
          action: 'Ask for smaller steps (one file or one function at a time) instead of one long answer.',
        }),
      );
    }
    run = [];
  };
  for (const turn of turns) {
    if (turn.stopReason === 'max_tokens') run.push(turn);
    else close();
  }
  close();
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Runaway burn

/** Every request's time (ms since the epoch), cost and session, as columns (a history holds 100,000s). */
export interface SpendColumns {
  ms: number[];
  usd: number[];
  sessionId: string[];
}

export function emptySpend(): SpendColumns {
  return { ms: [], usd: [], sessionId: [] };
}

/**
 * Episodes where the spend over the last `burnWindowMinutes`, scaled to an hour, is at or above the threshold
 * (across every session: the per-developer circuit breaker), with at least three requests in the window so one
 * expensive request is not an episode. The episode is anchored on the first request of the window that crossed.
 */
export function runawayBurn(spend: SpendColumns, t: FindingThresholds): Finding[] {
  const windowMs = t.burnWindowMinutes * 60_000;
  const { ms, usd: cost } = spend;
  // A window at the threshold spends at least `least`, and overlaps at most two window-sized buckets: only points
  // in a bucket that, with a neighbour, reaches `least` can be part of an episode (a history has few such).
  const least = (t.burnUsdPerHour * t.burnWindowMinutes) / 60;
  const buckets = new Map<number, number>();
  for (let i = 0; i < ms.length; i++) {
    const b = Math.floor(ms[i]! / windowMs);
    buckets.set(b, (buckets.get(b) ?? 0) + cost[i]!);
  }
  const hot = (b: number) => {
    const own = buckets.get(b) ?? 0;
    return own + (buckets.get(b - 1) ?? 0) >= least || own + (buckets.get(b + 1) ?? 0) >= least;
  };
  const order: number[] = [];
  for (let i = 0; i < ms.length; i++) if (hot(Math.floor(ms[i]! / windowMs))) order.push(i);
  order.sort((a, b) => ms[a]! - ms[b]!);
  const sorted = order.map((i) => ({ at: new Date(ms[i]!).toISOString(), usd: cost[i]!, sessionId: spend.sessionId[i]! }));
  const time = Float64Array.from(order, (i) => ms[i]!);
  const out: Finding[] = [];
  let start = 0;
  let windowUsd = 0;
  let episode: { from: number; to: number; peak: number } | undefined;
  const close = () => {
    if (!episode) return;
    const pts = sorted.slice(episode.from, episode.to + 1);
    const bySession = new Map<string, number>();
    for (const p of pts) bySession.set(p.sessionId, (bySession.get(p.sessionId) ?? 0) + p.usd);
    const top = [...bySession].sort((a, b) => b[1] - a[1])[0]!;
    const spent = sum(pts, (p) => p.usd);
    const first = pts[0]!;
    const last = pts[pts.length - 1]!;
    out.push({
      id: `runaway-burn:${first.at}`,
      kind: 'runaway-burn',
      sessionId: top[0],
      thread: '',
      severity: episode.peak >= 2 * t.burnUsdPerHour ? 'critical' : 'warning',
      usdAtStake: spent,
      summary: `Spending at up to ${usd(episode.peak)}/hour (threshold ${usd(t.burnUsdPerHour)}/hour)`,
      evidence: [
        `${pts.length} requests from ${first.at} to ${last.at} cost ${usd(spent)} across ${bySession.size} session${bySession.size === 1 ? '' : 's'}.`,
        `The most expensive session spent ${usd(top[1])} of it.`,
      ],
      action: 'Check what is running: parallel agents or subagents, a loop, or an expensive model for routine steps; stop what you do not need.',
      turns: [],
      firstAt: first.at,
      lastAt: last.at,
    });
    episode = undefined;
  };
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    const now = time[i]!;
    windowUsd += p.usd;
    while (time[start]! <= now - windowMs) windowUsd -= sorted[start++]!.usd;
    const rate = (windowUsd * 60) / t.burnWindowMinutes;
    const hot = rate >= t.burnUsdPerHour && i - start + 1 >= 3;
    if (hot) {
      if (!episode) episode = { from: start, to: i, peak: rate };
      episode.to = i;
      episode.peak = Math.max(episode.peak, rate);
    } else if (episode && now - time[episode.to]! > windowMs) close();
  }
  close();
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Cache churn

/** A request worth looking at for churn: a prompt of at least this many tokens… */
const CHURN_MIN_PROMPT = 10_000;
/** …most of which (this share) was written to the cache rather than read from it. */
const CHURN_WRITE_SHARE = 0.5;
const CACHE_TTL_MS = 5 * 60_000;

/**
 * Runs of requests in one thread that write most of their prompt to the cache instead of reading it (not the
 * thread's first request, nor the first after a compaction: those must write). Dollars at stake: what those writes
 * cost above reading the same tokens, the price of the cache that was not used.
 */
export function cacheChurn(tl: SessionTimeline, t: FindingThresholds): Finding[] {
  const out: Finding[] = [];
  for (const [thread, turns] of threads(tl)) {
    let run: { turn: Turn; gapMs: number }[] = [];
    const close = () => {
      if (run.length >= t.churnTurns) {
        const involved = run.map((r) => r.turn);
        const expired = run.filter((r) => r.gapMs > CACHE_TTL_MS).length;
        const written = sum(involved, (x) => x.tokens.cacheWrite5m + x.tokens.cacheWrite1h);
        const extra = sum(involved, (x) => x.cacheWriteExtraUsd);
        out.push(
          finding({
            id: `cache-churn:${tl.sessionId}:${thread}:${involved[0]!.n}`,
            kind: 'cache-churn',
            sessionId: tl.sessionId,
            thread,
            severity: 'warning',
            usdAtStake: extra,
            summary: `${involved.length} requests in a row rewrote the cache instead of reading it: ${usd(extra)} more than cache reads`,
            evidence: [
              `${turnRange(involved.map((x) => x.n))} in ${threadName(thread)} wrote ${kTokens(written)} tokens to the cache.`,
              expired
                ? `${expired} of them came more than 5 minutes after the request before (the cache had expired).`
                : 'They came within 5 minutes of each other: something early in the prompt changed each time.',
            ],
            action: expired
              ? 'Avoid long pauses mid-task, or use the 1-hour cache for sessions with breaks.'
              : 'Keep the start of the prompt stable: do not edit CLAUDE.md, switch models or change tools in the middle of a task.',
            involved,
          }),
        );
      }
      run = [];
    };
    for (let i = 0; i < turns.length; i++) {
      const turn = turns[i]!;
      const write = turn.tokens.cacheWrite5m + turn.tokens.cacheWrite1h;
      const churning = i > 0 && !turn.afterCompaction && turn.promptTokens >= CHURN_MIN_PROMPT && write >= CHURN_WRITE_SHARE * turn.promptTokens;
      if (churning) run.push({ turn, gapMs: Date.parse(turn.at) - Date.parse(turns[i - 1]!.at) });
      else close();
    }
    close();
  }
  return out;
}

/** Every per-session detector over one session. */
export function sessionFindings(tl: SessionTimeline, t: FindingThresholds): Finding[] {
  return [...contextCreep(tl, t), ...retryLoops(tl, t), ...cacheChurn(tl, t)];
}
