// The scripted conversations the real Claude Code CLI is driven through, and what they are expected to cost.
//
// Each scenario is one sandbox (one CLAUDE_CONFIG_DIR) and one or more `claude -p` runs against the fake API. The
// served truth (what the fake server actually answered) and the CLI's own `total_cost_usd` are the two oracles; the
// e2e suite checks both against each other and then checks our report against them, and recordFixtures.ts keeps the
// logs plus a truth.json so fast unit tests can use logs written by the real CLI.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { scriptedHandler, startFakeAnthropic } from './fakeAnthropic';
import type { ApiRequest, MessageReply, Reply, Route, ServedError, ServedResponse, TokenUsage } from './fakeAnthropic';
import { createSandbox, runClaude } from './runClaude';
import type { ClaudeRun, Sandbox } from './runClaude';

// ---------------------------------------------------------------------------------------------------------------
// The CLI's own price table and formula (notes/claude-code-logs.md §10), used to turn served usage into dollars.
// Priced by the model the CLI *requested*, as the CLI does.

export interface Rates {
  input: number;
  output: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  cacheRead: number;
}

const cliRates: { family: RegExp; rates: Rates }[] = [
  { family: /opus-4-[5-8]/, rates: { input: 5, output: 25, cacheWrite5m: 6.25, cacheWrite1h: 10, cacheRead: 0.5 } },
  { family: /opus-4/, rates: { input: 15, output: 75, cacheWrite5m: 18.75, cacheWrite1h: 30, cacheRead: 1.5 } },
  { family: /haiku-4-5/, rates: { input: 1, output: 5, cacheWrite5m: 1.25, cacheWrite1h: 2, cacheRead: 0.1 } },
  { family: /3-5-haiku/, rates: { input: 0.8, output: 4, cacheWrite5m: 1, cacheWrite1h: 1.6, cacheRead: 0.08 } },
  { family: /sonnet/, rates: { input: 3, output: 15, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.3 } },
];

export function cliRatesFor(model: string): Rates {
  const row = cliRates.find((r) => r.family.test(model));
  if (!row) throw new Error(`no CLI price row for ${model}`);
  return row.rates;
}

export function usageCostUsd(u: TokenUsage, r: Rates): number {
  return (u.input * r.input + u.output * r.output + u.cacheRead * r.cacheRead + u.cacheWrite5m * r.cacheWrite5m + u.cacheWrite1h * r.cacheWrite1h) / 1e6;
}

export function servedCostUsd(s: ServedResponse): number {
  return usageCostUsd(s.usage, cliRatesFor(s.requestedModel));
}

export function zeroUsage(): TokenUsage {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
}

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite5m: a.cacheWrite5m + b.cacheWrite5m,
    cacheWrite1h: a.cacheWrite1h + b.cacheWrite1h,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Scenario definitions.

export interface RunSpec {
  label: string;
  prompt: string;
  model?: string;
  /** A fixed session id (`--session-id`), so resumes and fixtures can name it. */
  sessionId?: string;
  /** `--resume` of a session id used earlier in the scenario. */
  resume?: string;
  fork?: boolean;
  maxRetries?: number;
  expectExitCode: number;
  routes: Route[];
}

/** A finding the detectors must raise on a scenario's logs (every other scenario must raise none). */
export interface FindingExpectation {
  kind: 'context-creep' | 'retry-loop' | 'runaway-burn' | 'cache-churn';
  pattern?: string;
  severity: 'warning' | 'critical';
  /** The main thread's request numbers the finding must name. */
  turns: number[];
  /** Which served responses (0-based, in serving order) make up the dollars at stake, and which part of their cost. */
  usdFrom: { responses: number[]; part: 'whole' | 'prompt' };
}

export interface Scenario {
  name: string;
  description: string;
  runs: RunSpec[];
  findings?: FindingExpectation[];
}

const text = (t: string) => ({ type: 'text' as const, text: t });
const bash = (command: string, description: string) => ({ type: 'tool_use' as const, name: 'Bash', input: { command, description } });
const reply = (blocks: MessageReply['blocks'], usage: MessageReply['usage'], extra: Partial<MessageReply> = {}): MessageReply => ({
  kind: 'message',
  blocks,
  usage,
  ...extra,
});
const fail = (status: 429 | 500 | 529, retryAfterSec?: number): Reply =>
  retryAfterSec === undefined ? { kind: 'error', status } : { kind: 'error', status, retryAfterSec };
const everything = () => true;
const mainThread = (model: string) => (req: ApiRequest) => req.requestedModel === model && !req.isCompact;

/** Session ids are fixed so fixtures are stable; the letter says which scenario a session belongs to. */
const sid = (prefix: string, n = 1) => `${prefix.padEnd(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Long enough that the CLI's token estimate of the summary is in the same range as the served output tokens. */
const compactSummary = [
  '<analysis>The user asked for a quick look at the repository and a listing of its files.</analysis>',
  '<summary>',
  '1. Primary Request and Intent: the user asked to inspect the demo repository, list its files and print a greeting.',
  '2. Key Technical Concepts: a git repository on branch feature/cost-test with a single README.md.',
  '3. Files and Code Sections: README.md contains the heading "demo app".',
  '4. Errors and fixes: none.',
  '5. Problem Solving: ran `ls` and `echo hi` through the Bash tool; both succeeded.',
  '6. All user messages: "Look at the repo", "Anything else?".',
  '7. Pending Tasks: none.',
  '8. Current Work: the listing was reported back to the user.',
  '9. Optional Next Step: none.',
  '</summary>',
].join('\n');

export const scenarios: Scenario[] = [
  {
    name: 'a-multiblock',
    description: 'thinking + text + tool_use in one response, two parallel Bash calls in one response, a four-request tool loop',
    runs: [
      {
        label: 'run',
        prompt: 'Look around the repo and greet me.',
        model: 'claude-sonnet-4-5',
        sessionId: sid('a'),
        expectExitCode: 0,
        routes: [
          {
            name: 'main',
            match: everything,
            replies: [
              reply(
                [{ type: 'thinking', thinking: 'The user wants a greeting; check the shell first.' }, text('Let me check the shell.'), bash('echo hi', 'Print hi')],
                { input: 1200, output: 310, cacheWrite5m: 6000, cacheRead: 14000 },
              ),
              reply([bash('echo one', 'Print one'), bash('echo two', 'Print two')], { input: 60, output: 140, cacheWrite5m: 420, cacheRead: 20000 }),
              reply([text('Now the readme.'), { type: 'tool_use', name: 'Read', input: { file_path: 'README.md' } }], {
                input: 45,
                output: 90,
                cacheWrite5m: 380,
                cacheRead: 20420,
              }),
              reply([text('Hi! The repo holds a README titled "demo app".')], { input: 30, output: 45, cacheWrite5m: 250, cacheRead: 20800 }),
            ],
          },
        ],
      },
    ],
  },
  {
    name: 'b-retries',
    description: '529, 500 and 429 (retry-after: 1) before a success; failed attempts are neither billed nor logged',
    runs: [
      {
        label: 'run',
        prompt: 'Print hi.',
        model: 'claude-sonnet-4-5',
        sessionId: sid('b'),
        expectExitCode: 0,
        routes: [
          {
            name: 'main',
            match: everything,
            replies: [
              fail(529),
              fail(500),
              fail(429, 1),
              reply([text('Running it.'), bash('echo hi', 'Print hi')], { input: 900, output: 120, cacheWrite5m: 5200, cacheRead: 9000 }),
              reply([text('Printed hi.')], { input: 25, output: 20, cacheWrite5m: 150, cacheRead: 14200 }),
            ],
          },
        ],
      },
    ],
  },
  {
    name: 'c-retries-exhausted',
    description: 'CLAUDE_CODE_MAX_RETRIES=1 and every attempt 529: exit 1, total_cost_usd 0, a <synthetic> error line',
    runs: [
      {
        label: 'run',
        prompt: 'Print hi.',
        model: 'claude-sonnet-4-5',
        sessionId: sid('c'),
        maxRetries: 1,
        expectExitCode: 1,
        routes: [{ name: 'main', match: everything, replies: [fail(529), fail(529), fail(529), fail(529)] }],
      },
    ],
  },
  {
    name: 'd-resume-fork',
    description: 'a run, --resume (appends to the same file), then --resume --fork-session (a new file copying the history)',
    runs: [
      {
        label: 'first',
        prompt: 'Print hi.',
        model: 'claude-sonnet-4-5',
        sessionId: sid('d'),
        expectExitCode: 0,
        routes: [
          {
            name: 'main',
            match: everything,
            replies: [
              reply([bash('echo hi', 'Print hi')], { input: 800, output: 90, cacheWrite5m: 5100, cacheRead: 9000 }),
              reply([text('Done.')], { input: 20, output: 15, cacheWrite5m: 120, cacheRead: 14100 }),
            ],
          },
        ],
      },
      {
        label: 'resume',
        prompt: 'And print bye.',
        model: 'claude-sonnet-4-5',
        resume: sid('d'),
        expectExitCode: 0,
        routes: [
          {
            name: 'main',
            match: everything,
            replies: [
              reply([bash('echo bye', 'Print bye')], { input: 40, output: 70, cacheWrite5m: 300, cacheRead: 14200 }),
              reply([text('Printed bye.')], { input: 20, output: 18, cacheWrite5m: 110, cacheRead: 14500 }),
            ],
          },
        ],
      },
      {
        label: 'fork',
        prompt: 'Try a different greeting.',
        model: 'claude-sonnet-4-5',
        resume: sid('d'),
        fork: true,
        // `--session-id` names the fork. Its id sorts *before* the original's, so a reader that attributes a copied
        // response to whichever file it meets first gets the sessions wrong every time, not one run in five.
        sessionId: sid('0d'),
        expectExitCode: 0,
        routes: [
          {
            name: 'main',
            match: everything,
            replies: [
              reply([bash('echo hello', 'Print hello')], { input: 35, output: 60, cacheWrite5m: 280, cacheRead: 14600 }),
              reply([text('Printed hello.')], { input: 20, output: 16, cacheWrite5m: 100, cacheRead: 14900 }),
            ],
          },
        ],
      },
    ],
  },
  {
    name: 'e-subagent',
    description: 'an Agent tool call with model "haiku": sidechain requests in <session>/subagents/agent-<id>.jsonl',
    runs: [
      {
        label: 'run',
        prompt: 'Use a subagent to list the repo files.',
        model: 'claude-sonnet-4-5',
        sessionId: sid('e'),
        expectExitCode: 0,
        routes: [
          {
            name: 'subagent',
            match: (req) => req.requestedModel.includes('haiku'),
            replies: [
              reply([bash('ls', 'List files')], { input: 2100, output: 60, cacheWrite5m: 3000 }),
              reply([text('The repo root holds README.md.')], { input: 40, output: 35, cacheWrite5m: 90, cacheRead: 5100 }),
            ],
          },
          {
            name: 'main',
            match: mainThread('claude-sonnet-4-5'),
            replies: [
              reply(
                [
                  text('Delegating.'),
                  {
                    type: 'tool_use',
                    name: 'Agent',
                    input: {
                      description: 'List repo files',
                      prompt: 'List the files in the repository root and report back.',
                      subagent_type: 'general-purpose',
                      model: 'haiku',
                    },
                  },
                ],
                { input: 1100, output: 150, cacheWrite5m: 6200, cacheRead: 12000 },
              ),
              reply([text('The subagent found README.md.')], { input: 60, output: 30, cacheWrite5m: 240, cacheRead: 18200 }),
            ],
          },
        ],
      },
    ],
  },
  {
    name: 'f-models',
    description: 'sonnet-4-5, haiku-4-5 and opus-4-5 in separate sessions, with 5-minute and 1-hour cache writes',
    runs: [
      {
        label: 'sonnet',
        prompt: 'Print hi.',
        model: 'claude-sonnet-4-5',
        sessionId: sid('f', 1),
        expectExitCode: 0,
        routes: [
          {
            name: 'main',
            match: everything,
            replies: [
              reply([bash('echo hi', 'Print hi')], { input: 700, output: 80, cacheWrite5m: 2000, cacheWrite1h: 4000, cacheRead: 8000 }),
              reply([text('Done.')], { input: 20, output: 12, cacheWrite5m: 130, cacheRead: 14000 }),
            ],
          },
        ],
      },
      {
        label: 'haiku',
        prompt: 'Say hi.',
        model: 'claude-haiku-4-5',
        sessionId: sid('f', 2),
        expectExitCode: 0,
        routes: [{ name: 'main', match: everything, replies: [reply([text('Hi.')], { input: 500, output: 25, cacheWrite1h: 7000, cacheRead: 3000 })] }],
      },
      {
        label: 'opus',
        prompt: 'Say hi.',
        model: 'claude-opus-4-5',
        sessionId: sid('f', 3),
        expectExitCode: 0,
        routes: [
          {
            name: 'main',
            match: everything,
            replies: [reply([text('Hello.')], { input: 650, output: 40, cacheWrite5m: 1500, cacheWrite1h: 5500, cacheRead: 6000 })],
          },
        ],
      },
    ],
  },
  {
    name: 'g-max-tokens',
    description: 'stop_reason max_tokens: the CLI sends a hidden continuation request whose response is logged',
    runs: [
      {
        label: 'run',
        prompt: 'Write a long essay.',
        model: 'claude-sonnet-4-5',
        sessionId: sid('9'),
        expectExitCode: 0,
        routes: [
          {
            // The CLI's hidden follow-up: a user message the JSONL never shows.
            name: 'continuation',
            match: (req) => req.lastUserText.startsWith('Output token limit hit.'),
            replies: [reply([text(' and finally ended.')], { input: 30, output: 8, cacheWrite5m: 160, cacheRead: 14300 })],
          },
          {
            name: 'main',
            match: everything,
            replies: [
              reply([text('Once upon a time, a very long essay began and went on and on')], { input: 900, output: 32000, cacheWrite5m: 5300, cacheRead: 9000 }, {
                stopReason: 'max_tokens',
              }),
            ],
          },
        ],
      },
    ],
  },
  {
    name: 'h-compact',
    description: '/compact on a resumed session: the summarisation request is billed but not logged; a compact_boundary line is',
    runs: [
      {
        label: 'first',
        prompt: 'Look at the repo.',
        model: 'claude-sonnet-4-5',
        sessionId: sid('8'),
        expectExitCode: 0,
        routes: [
          {
            name: 'main',
            match: everything,
            replies: [
              reply([text('Listing.'), bash('ls', 'List files')], { input: 1500, output: 120, cacheWrite5m: 6400, cacheRead: 11000 }),
              reply([text('The repo holds README.md.')], { input: 30, output: 25, cacheWrite5m: 200, cacheRead: 17400 }),
            ],
          },
        ],
      },
      {
        label: 'compact',
        prompt: '/compact',
        model: 'claude-sonnet-4-5',
        resume: sid('8'),
        expectExitCode: 0,
        routes: [
          {
            name: 'compact',
            match: (req) => req.isCompact,
            replies: [
              // The summarisation request re-reads the whole conversation and writes a summary. Here the cache covers
              // about half of it; a fully warm or fully cold cache moves the real cost by ~2.5x either way, which is
              // why the test prints those bounds next to our estimate.
              reply([text(compactSummary)], { input: 9000, output: 420, cacheRead: 9600 }, { expectLogged: false }),
            ],
          },
        ],
      },
      {
        label: 'after',
        prompt: 'Anything else?',
        model: 'claude-sonnet-4-5',
        resume: sid('8'),
        expectExitCode: 0,
        routes: [{ name: 'main', match: everything, replies: [reply([text('Nothing else.')], { input: 2500, output: 10, cacheWrite5m: 900, cacheRead: 9000 })] }],
      },
    ],
  },
  {
    name: 'i-retry-loop',
    description: 'the model runs the same failing Bash command four times (a real shell, exit code 1), then gives up',
    runs: [
      {
        label: 'run',
        prompt: 'Wait until the build flag exists.',
        model: 'claude-sonnet-4-5',
        sessionId: sid('1'),
        expectExitCode: 0,
        routes: [
          {
            name: 'main',
            match: mainThread('claude-sonnet-4-5'),
            replies: [
              reply([text('Checking the flag.'), bash('cat build.flag', 'Read the build flag')], { input: 1500, output: 90, cacheWrite5m: 6000, cacheRead: 12000 }),
              reply([text('Not yet; checking again.'), bash('cat build.flag', 'Read the build flag')], { input: 40, output: 60, cacheWrite5m: 300, cacheRead: 18000 }),
              reply([text('Still missing; once more.'), bash('cat build.flag', 'Read the build flag')], { input: 40, output: 60, cacheWrite5m: 300, cacheRead: 18300 }),
              reply([text('Trying again.'), bash('cat build.flag', 'Read the build flag')], { input: 40, output: 60, cacheWrite5m: 300, cacheRead: 18600 }),
              reply([text('The build flag never appeared; I stopped checking.')], { input: 40, output: 30, cacheWrite5m: 300, cacheRead: 18900 }),
            ],
          },
        ],
      },
    ],
    // Four failures of one command, with no success of it in between: the requests that ran them (1–4) are the loop.
    findings: [{ kind: 'retry-loop', pattern: 'failing-command', severity: 'warning', turns: [1, 2, 3, 4], usdFrom: { responses: [0, 1, 2, 3], part: 'whole' } }],
  },
  {
    name: 'j-context-creep',
    description: 'a session whose prompt grows every request (40k → 172k of a 200k window), one tool result adding 40k',
    runs: [
      {
        label: 'run',
        prompt: 'Go through the repo step by step.',
        model: 'claude-sonnet-4-5',
        sessionId: sid('2'),
        expectExitCode: 0,
        routes: [
          {
            name: 'main',
            match: mainThread('claude-sonnet-4-5'),
            replies: [
              reply([text('Step one.'), bash('echo one', 'Step one')], { input: 2000, output: 80, cacheWrite5m: 8000, cacheRead: 30000 }),
              reply([text('Step two.'), bash('echo two', 'Step two')], { input: 100, output: 80, cacheWrite5m: 40000, cacheRead: 40000 }),
              reply([text('Step three.'), bash('echo three', 'Step three')], { input: 100, output: 80, cacheWrite5m: 30000, cacheRead: 80000 }),
              reply([text('Step four.'), bash('echo four', 'Step four')], { input: 100, output: 80, cacheWrite5m: 15000, cacheRead: 110000 }),
              reply([text('Step five.'), bash('echo five', 'Step five')], { input: 100, output: 80, cacheWrite5m: 25000, cacheRead: 125000 }),
              reply([text('Step six.'), bash('echo six', 'Step six')], { input: 100, output: 80, cacheWrite5m: 22000, cacheRead: 150000 }),
              reply([text('Done with every step.')], { input: 100, output: 40, cacheWrite5m: 500, cacheRead: 172000 }),
            ],
          },
        ],
      },
    ],
    // Prompts: 40k, 80.1k, 110.1k, 125.1k (62.6%: warn), 150.1k, 172.1k (86%: critical), 172.6k. The dollars at stake
    // are the prompt side of every request from the warn crossing on.
    findings: [{ kind: 'context-creep', severity: 'critical', turns: [4, 5, 6, 7], usdFrom: { responses: [3, 4, 5, 6], part: 'prompt' } }],
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Running a scenario.

export interface RunOutcome {
  spec: RunSpec;
  run: ClaudeRun;
  /** The session the run wrote to (the fork's new id for `--fork-session`). */
  sessionId: string | undefined;
  served: ServedResponse[];
  errors: ServedError[];
  unexpected: { seq: number; requestedModel: string; lastUserText: string }[];
}

export interface ScenarioOutcome {
  scenario: Scenario;
  sandbox: Sandbox;
  runs: RunOutcome[];
  durationMs: number;
}

/** Runs every CLI invocation of a scenario against one fake server; the server is always closed. */
export async function executeScenario(scenario: Scenario, options: { root?: string; timeoutMs?: number } = {}): Promise<ScenarioOutcome> {
  const sandbox = createSandbox(options.root === undefined ? {} : { root: options.root });
  const started = Date.now();
  const server = await startFakeAnthropic(() => ({ kind: 'error', status: 400 }));
  const runs: RunOutcome[] = [];
  try {
    for (const spec of scenario.runs) {
      const before = { responses: server.truth.responses.length, errors: server.truth.errors.length, unexpected: server.truth.unexpected.length };
      server.setHandler(scriptedHandler(spec.routes, () => server.truth));
      const run = await runClaude({
        sandbox,
        baseUrl: server.baseUrl,
        prompt: spec.prompt,
        ...(spec.model === undefined ? {} : { model: spec.model }),
        ...(spec.sessionId === undefined ? {} : { sessionId: spec.sessionId }),
        ...(spec.resume === undefined ? {} : { resume: spec.resume }),
        ...(spec.fork ? { fork: true } : {}),
        ...(spec.maxRetries === undefined ? {} : { maxRetries: spec.maxRetries }),
        timeoutMs: options.timeoutMs ?? 60_000,
      });
      runs.push({
        spec,
        run,
        sessionId: run.result?.session_id ?? spec.sessionId ?? spec.resume,
        served: server.truth.responses.slice(before.responses),
        errors: server.truth.errors.slice(before.errors),
        unexpected: server.truth.unexpected.slice(before.unexpected),
      });
    }
  } finally {
    await server.close();
  }
  return { scenario, sandbox, runs, durationMs: Date.now() - started };
}

// ---------------------------------------------------------------------------------------------------------------
// What a scenario should add up to, derived from the served truth alone.

export interface SessionExpectation {
  sessionId: string;
  requests: number;
  costUsd: number;
  tokens: TokenUsage;
  models: string[];
}

export interface Expectation {
  /** Sum of the runs' `total_cost_usd`: what the CLI says it spent. */
  cliTotalUsd: number;
  /** Every served response priced by the notes' formula; must equal cliTotalUsd. */
  servedCostUsd: number;
  /** Served responses that the CLI does not write to the JSONL (the /compact summary). */
  unloggedCostUsd: number;
  unloggedRequests: number;
  /** What a log reader can see: served and logged. */
  loggedCostUsd: number;
  loggedRequests: number;
  loggedTokens: TokenUsage;
  sessions: SessionExpectation[];
}

export function expectationOf(outcome: ScenarioOutcome): Expectation {
  const e: Expectation = {
    cliTotalUsd: 0,
    servedCostUsd: 0,
    unloggedCostUsd: 0,
    unloggedRequests: 0,
    loggedCostUsd: 0,
    loggedRequests: 0,
    loggedTokens: zeroUsage(),
    sessions: [],
  };
  for (const r of outcome.runs) {
    e.cliTotalUsd += r.run.result?.total_cost_usd ?? 0;
    for (const s of r.served) {
      const cost = servedCostUsd(s);
      e.servedCostUsd += cost;
      if (!s.expectLogged) {
        e.unloggedCostUsd += cost;
        e.unloggedRequests += 1;
        continue;
      }
      e.loggedCostUsd += cost;
      e.loggedRequests += 1;
      e.loggedTokens = addUsage(e.loggedTokens, s.usage);
      if (r.sessionId === undefined) continue;
      let session = e.sessions.find((x) => x.sessionId === r.sessionId);
      if (!session) {
        session = { sessionId: r.sessionId, requests: 0, costUsd: 0, tokens: zeroUsage(), models: [] };
        e.sessions.push(session);
      }
      session.requests += 1;
      session.costUsd += cost;
      session.tokens = addUsage(session.tokens, s.usage);
      if (!session.models.includes(s.model)) session.models.push(s.model);
    }
  }
  return e;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading what the CLI wrote, independently of src/, to pin down the facts the report relies on.

export interface LogLine {
  file: string;
  index: number;
  value: Record<string, unknown>;
}

export function listJsonl(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listJsonl(full));
    else if (name.endsWith('.jsonl')) out.push(full);
  }
  return out;
}

export function readLogLines(configDir: string): LogLine[] {
  const projects = join(configDir, 'projects');
  const lines: LogLine[] = [];
  for (const file of listJsonl(projects)) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (line.trim() === '') return;
        lines.push({ file: relative(projects, file), index, value: JSON.parse(line) as Record<string, unknown> });
      });
  }
  return lines;
}

export interface AssistantLine {
  file: string;
  messageId: string;
  requestId: string | undefined;
  model: string;
  sessionId: string;
  isSidechain: boolean;
  outputTokens: number;
}

export function assistantLines(lines: LogLine[]): AssistantLine[] {
  return lines
    .filter((l) => l.value.type === 'assistant')
    .map((l) => {
      const message = l.value.message as { id: string; model: string; usage?: { output_tokens?: number } };
      return {
        file: l.file,
        messageId: message.id,
        requestId: typeof l.value.requestId === 'string' ? l.value.requestId : undefined,
        model: message.model,
        sessionId: String(l.value.sessionId),
        isSidechain: l.value.isSidechain === true,
        outputTokens: message.usage?.output_tokens ?? 0,
      };
    });
}
