// The scripted Codex scenarios, shared by the e2e suite (which asserts on them) and recordFixtures.ts (which
// copies what the real CLI wrote into test/fixtures/codex-real/). Each step scripts the fake server, runs one real
// `codex exec …` command and returns what was served during that run: the served truth the report must match.
//
// Scenarios are grouped by workspace (one CODEX_HOME each) because several of them only make sense on top of an
// earlier one: resume continues the tool-loop thread, the fork branches off the resumed thread, and the all-fail
// run must leave the totals of the retries run unchanged.
import type { Attempt, FakeOpenAI, ScriptedStep, ServedResponse, ServedUsage } from './fakeOpenAI';
import { codexExec, codexFork, codexResumeLast, threadIdOf } from './runCodex';
import type { CodexRun, CodexWorkspace } from './runCodex';

export interface StepResult {
  name: string;
  run: CodexRun;
  threadId: string | undefined;
  /** Responses completed during this run (billed). */
  served: ServedResponse[];
  /** Every HTTP attempt during this run, failed ones included (not billed). */
  attempts: Attempt[];
  /** Script steps the CLI never asked for: non-zero means it made fewer requests than the scenario expects. */
  unconsumedSteps: number;
}

/** Branch names of the two workspaces; a slash exercises branch names that are not plain words. */
export const agentBranch = 'feature/meter-e2e';
export const flakyBranch = 'fix/flaky-api';

/** Codex's retry budget in the generated config.toml; a run where everything fails makes (3+1)×(2+1) attempts. */
export const requestMaxRetries = 3;
export const streamMaxRetries = 2;
export const allFailAttempts = (requestMaxRetries + 1) * (streamMaxRetries + 1);

async function runStep(fake: FakeOpenAI, name: string, script: ScriptedStep[], invoke: () => Promise<CodexRun>): Promise<StepResult> {
  fake.clearScript();
  const servedFrom = fake.served.length;
  const attemptsFrom = fake.attempts.length;
  fake.enqueue(...script);
  const run = await invoke();
  const unconsumedSteps = fake.pending();
  fake.clearScript();
  return {
    name,
    run,
    threadId: threadIdOf(run),
    served: fake.served.slice(servedFrom),
    attempts: fake.attempts.slice(attemptsFrom),
    unconsumedSteps,
  };
}

const usage = (input: number, cached: number, output: number, reasoning: number): ServedUsage => ({ input, cached, output, reasoning });

/**
 * (a) A tool loop: four responses, each with reasoning, some with a message, one with two function calls. The CLI
 * runs every command in the temp repo and sends the output back before the next response is served.
 */
export function toolLoop(fake: FakeOpenAI, workspace: CodexWorkspace): Promise<StepResult> {
  return runStep(
    fake,
    'tool-loop',
    [
      {
        kind: 'response',
        items: [
          { type: 'reasoning', summary: 'Listing the repository first.' },
          { type: 'functionCall', command: 'ls -a' },
        ],
        usage: usage(7412, 0, 212, 128),
      },
      {
        kind: 'response',
        items: [
          { type: 'reasoning', summary: 'Reading the notes and checking the branch.' },
          { type: 'message', text: 'Let me read the notes and check which branch this is.' },
          { type: 'functionCall', command: 'cat notes.txt' },
          { type: 'functionCall', command: 'git rev-parse --abbrev-ref HEAD' },
        ],
        usage: usage(7890, 7296, 301, 192),
      },
      {
        kind: 'response',
        items: [
          { type: 'reasoning', summary: 'One quick calculation.' },
          { type: 'functionCall', command: 'echo $((6 * 7))' },
        ],
        usage: usage(8376, 7808, 97, 40),
      },
      {
        kind: 'response',
        items: [
          { type: 'reasoning', summary: 'Summarising.' },
          { type: 'message', text: `notes.txt lists alpha, beta and gamma; the branch is ${workspace.branch}; 6 × 7 = 42.` },
        ],
        usage: usage(8530, 8320, 156, 64),
      },
    ],
    () => codexExec(workspace, 'Look around this repository, read notes.txt, tell me the branch and what 6*7 is.'),
  );
}

/**
 * (f) A retry loop: the model runs the same failing command (`cat build.flag`, exit 1 in the real shell) in four
 * responses in a row, then gives up. The detectors must name it, with the four responses' cost as the dollars.
 */
export function failingCommandLoop(fake: FakeOpenAI, workspace: CodexWorkspace): Promise<StepResult> {
  const attempt = (n: number) => ({
    kind: 'response' as const,
    items: [
      { type: 'reasoning' as const, summary: `Checking for the build flag (${n}).` },
      { type: 'functionCall' as const, command: 'cat build.flag' },
    ],
    usage: usage(6000 + 400 * n, n === 1 ? 0 : 5800 + 400 * (n - 1), 90, 40),
  });
  return runStep(
    fake,
    'failing-command-loop',
    [
      attempt(1),
      attempt(2),
      attempt(3),
      attempt(4),
      { kind: 'response', items: [{ type: 'message', text: 'The build flag never appeared; I stopped checking.' }], usage: usage(7800, 7600, 30, 0) },
    ],
    () => codexExec(workspace, 'Wait until the build flag exists, then tell me.'),
  );
}

/** (c) `codex exec resume --last` on the same thread, switching the model to gpt-5-mini for this turn. */
export function resumeWithModelSwitch(fake: FakeOpenAI, workspace: CodexWorkspace): Promise<StepResult> {
  return runStep(
    fake,
    'resume-gpt-5-mini',
    [
      {
        kind: 'response',
        items: [
          { type: 'reasoning', summary: 'Counting lines.' },
          { type: 'functionCall', command: 'wc -l notes.txt' },
        ],
        usage: usage(9105, 8448, 58, 24),
      },
      {
        kind: 'response',
        items: [{ type: 'message', text: 'notes.txt has 3 lines.' }],
        usage: usage(9240, 9088, 41, 0),
      },
    ],
    () => codexResumeLast(workspace, 'How many lines does notes.txt have?', ['-c', 'model="gpt-5-mini"']),
  );
}

/**
 * (d) `codex exec fork <id>`: a new thread that starts from the parent's history (and, in the log, its totals).
 *
 * The fork stays on the parent's latest model (gpt-5-mini). Without `-c model=…` it would run with the configured
 * gpt-5-codex and log an 18 KB `<model_switch>` developer message, which would push the recorded fixtures over
 * their size budget; the parent's own model switch (scenario c) already covers attribution across models.
 */
export function forkThread(fake: FakeOpenAI, workspace: CodexWorkspace, parentThreadId: string): Promise<StepResult> {
  return runStep(
    fake,
    'fork',
    [
      {
        kind: 'response',
        items: [
          { type: 'reasoning', summary: 'Answering on the forked thread.' },
          { type: 'message', text: 'On this fork: notes.txt still has 3 lines.' },
        ],
        // The fork's first request re-sends the whole history under a new cache key: large and uncached.
        usage: usage(26060, 0, 88, 32),
      },
    ],
    () => codexFork(workspace, parentThreadId, 'Confirm the line count on this fork.', ['-c', 'model="gpt-5-mini"']),
  );
}

/** (b) 500, 429 with `retry-after: 1`, 503, then success: only the last attempt is billed. */
export function retriesThenSuccess(fake: FakeOpenAI, workspace: CodexWorkspace): Promise<StepResult> {
  return runStep(
    fake,
    'retries',
    [
      { kind: 'error', status: 500 },
      { kind: 'error', status: 429, retryAfterSeconds: 1 },
      { kind: 'error', status: 503 },
      {
        kind: 'response',
        items: [
          { type: 'reasoning', summary: 'Nothing to run.' },
          { type: 'message', text: 'Hello after three failed attempts.' },
        ],
        usage: usage(7402, 0, 143, 64),
      },
    ],
    () => codexExec(workspace, 'Say hello.'),
  );
}

/** (e) Every attempt fails: the CLI gives up (exit 1) and nothing is billed. */
export function allAttemptsFail(fake: FakeOpenAI, workspace: CodexWorkspace): Promise<StepResult> {
  const failures: ScriptedStep[] = Array.from({ length: allFailAttempts }, (_, i) => ({
    kind: 'error',
    status: i % 2 === 0 ? 500 : 503,
  }));
  return runStep(fake, 'all-attempts-fail', failures, () => codexExec(workspace, 'Say hello again.'));
}

/** Prices in USD per million tokens, as the brief for Agent Meter fixes them (gpt-5-codex is priced as gpt-5). */
export const ratesUsdPerMillion: Record<string, { input: number; cachedInput: number; output: number }> = {
  'gpt-5-codex': { input: 1.25, cachedInput: 0.125, output: 10 },
  'gpt-5-mini': { input: 0.25, cachedInput: 0.025, output: 2 },
};

/** Totals in the report's vocabulary: `input` is uncached input, `cacheRead` the cached part, `output` includes reasoning. */
export interface ServedTotals {
  requests: number;
  input: number;
  cacheRead: number;
  output: number;
  reasoning: number;
  costUsd: number;
}

export function servedTotals(responses: ServedResponse[]): ServedTotals {
  const totals: ServedTotals = { requests: 0, input: 0, cacheRead: 0, output: 0, reasoning: 0, costUsd: 0 };
  for (const response of responses) {
    const rates = ratesUsdPerMillion[response.model];
    if (rates === undefined) throw new Error(`no test price for model ${response.model}`);
    const { input, cached, output, reasoning } = response.usage;
    totals.requests += 1;
    totals.input += input - cached;
    totals.cacheRead += cached;
    totals.output += output;
    totals.reasoning += reasoning;
    totals.costUsd += ((input - cached) * rates.input + cached * rates.cachedInput + output * rates.output) / 1_000_000;
  }
  return totals;
}
