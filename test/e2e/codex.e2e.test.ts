// End-to-end: the real Codex CLI (@openai/codex, native binary) talks to a fake Responses API on 127.0.0.1; the
// fake server keeps what it served (the bill), the CLI writes its rollout logs, and `agent-meter report --json`
// must reproduce the bill exactly from those logs.
//
// Each scenario checks three layers in order, so a failure says where reality moved:
//   1. the CLI did what the script asked (exit code, every scripted request consumed, tool outputs sent back);
//   2. the rollout carries the facts the engine relies on (notes/codex-logs.md), checked with our own reader;
//   3. the report equals the served truth: requests and tokens exactly, cost within 0.5 %.
// Layer 3 needs dist/cli.js (`npm run test:e2e` builds first) and fails without it.
//
// Run: TZ=UTC node --import tsx --test test/e2e/codex.e2e.test.ts
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFakeOpenAI } from './codex/fakeOpenAI';
import type { FakeOpenAI, ServedResponse } from './codex/fakeOpenAI';
import { addUsage, readRollout, zeroUsage } from './codex/rolloutFacts';
import type { RolloutFacts, RolloutUsage } from './codex/rolloutFacts';
import { createCodexWorkspace, describeRun, repoRoot, rolloutFiles } from './codex/runCodex';
import type { CodexWorkspace } from './codex/runCodex';
import {
  agentBranch,
  allAttemptsFail,
  allFailAttempts,
  failingCommandLoop,
  flakyBranch,
  forkThread,
  requestMaxRetries,
  resumeWithModelSwitch,
  retriesThenSuccess,
  servedTotals,
  streamMaxRetries,
  toolLoop,
} from './codex/scenarios';
import type { StepResult } from './codex/scenarios';
import type { Report, ReportTokens } from './reportContract';

/** The built CLI; AGENT_METER_CLI points the suite at another build (e.g. a packaged one). */
const cliPath = process.env.AGENT_METER_CLI ?? join(repoRoot, 'dist', 'cli.js');
/** Relative tolerance for cost: prices may come from a dated table that rounds differently from ours. */
const COST_TOLERANCE = 0.005;
const SCENARIO_TIMEOUT_MS = 90_000;

// ---------------------------------------------------------------------------------------------------------------
// The report under test: `agent-meter report --json --codex-dir <dir>` (contract in ./reportContract.ts).

/** Runs the built CLI on the workspace only: HOME and every config dir point into the temp tree. */
function agentMeterReport(workspace: CodexWorkspace): Report {
  const emptyClaudeDir = join(workspace.root, 'no-claude');
  mkdirSync(emptyClaudeDir, { recursive: true });
  const result = spawnSync(process.execPath, [cliPath, 'report', '--json', '--codex-dir', workspace.codexHome], {
    cwd: workspace.root,
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: workspace.home,
      TZ: 'UTC',
      CODEX_HOME: workspace.codexHome,
      CLAUDE_CONFIG_DIR: emptyClaudeDir,
      XDG_CONFIG_HOME: join(workspace.home, '.config'),
      XDG_DATA_HOME: join(workspace.home, '.local', 'share'),
      XDG_STATE_HOME: join(workspace.home, '.local', 'state'),
      XDG_CACHE_HOME: join(workspace.home, '.cache'),
    },
  });
  assert.equal(result.status, 0, `agent-meter report failed (status ${String(result.status)}):\n${result.stderr}\n${result.stdout}`);
  try {
    return JSON.parse(result.stdout) as Report;
  } catch {
    assert.fail(`agent-meter report --json printed no JSON:\n${result.stdout.slice(0, 2000)}`);
  }
}

/** A missing build fails loudly: a skipped report check would hide exactly what this suite is for. */
function requireCli(): void {
  assert.ok(existsSync(cliPath), `${cliPath} is missing: run \`npm run build\` (npm run test:e2e does)`);
}

// ---------------------------------------------------------------------------------------------------------------
// Expected figures, derived from the fake server's record only.

/** A thread and the responses the server completed for it. */
interface ExpectedSession {
  sessionId: string;
  served: ServedResponse[];
}

function assertCloseUsd(actual: number, expected: number, what: string): void {
  const tolerance = Math.max(Math.abs(expected) * COST_TOLERANCE, 1e-9);
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: expected $${expected.toFixed(6)} ± ${COST_TOLERANCE * 100}%, got $${actual.toFixed(6)}`,
  );
}

function expectedTokens(served: ServedResponse[]): ReportTokens {
  const totals = servedTotals(served);
  return { input: totals.input, output: totals.output, cacheRead: totals.cacheRead, cacheWrite5m: 0, cacheWrite1h: 0 };
}

/** Checks the whole report of a workspace against everything the server ever served for it. */
function assertReportMatchesServed(report: Report, workspace: CodexWorkspace, sessions: ExpectedSession[]): void {
  const allServed = sessions.flatMap((s) => s.served);
  const truth = servedTotals(allServed);

  assert.equal(report.totals.requests, truth.requests, 'totals.requests = distinct successful responses served');
  assert.deepEqual(report.totals.tokens, expectedTokens(allServed), 'totals.tokens = served usage, each response once');
  assertCloseUsd(report.totals.costUsd, truth.costUsd, 'totals.costUsd');
  assert.equal(report.totals.estimatedExtraUsd, 0, 'Codex logs imply no unlogged requests, so no estimate');

  const codexSessions = report.sessions.filter((s) => s.agent === 'codex');
  assert.equal(codexSessions.length, report.sessions.length, 'only Codex sessions in this CODEX_HOME');
  for (const expected of sessions) {
    const session = codexSessions.find((s) => s.sessionId === expected.sessionId);
    assert.ok(session, `report lists session ${expected.sessionId}; it lists ${codexSessions.map((s) => s.sessionId).join(', ')}`);
    const sessionTruth = servedTotals(expected.served);
    const where = `session ${expected.sessionId}`;
    assert.equal(session.project, workspace.repo, `${where}: project is the repo the CLI ran in`);
    assert.equal(session.branch, workspace.branch, `${where}: branch is the repo's git branch`);
    assert.equal(session.requests, sessionTruth.requests, `${where}: requests`);
    assert.deepEqual(session.tokens, expectedTokens(expected.served), `${where}: tokens`);
    assertCloseUsd(session.costUsd, sessionTruth.costUsd, `${where}: costUsd`);
    const models = [...new Set(expected.served.map((r) => r.model))].sort();
    assert.deepEqual([...session.models].sort(), models, `${where}: models`);
  }
  // Sessions without a successful response (the all-fail run) may be listed, but must cost nothing.
  for (const session of codexSessions) {
    if (sessions.some((s) => s.sessionId === session.sessionId)) continue;
    assert.equal(session.requests, 0, `unexpected billed session ${session.sessionId}`);
    assert.equal(session.costUsd, 0, `unexpected billed session ${session.sessionId}`);
  }

  const dayCost = report.days.reduce((sum, day) => sum + day.costUsd, 0);
  assertCloseUsd(dayCost, report.totals.costUsd, 'days add up to the total');
  const dayTokens = report.days.reduce((sum, day) => sum + day.tokens.input + day.tokens.cacheRead + day.tokens.output, 0);
  assert.equal(dayTokens, truth.input + truth.cacheRead + truth.output, 'days add up to the total tokens');
  const recordDays = new Set(
    rolloutFiles(workspace.codexHome).flatMap((file) => readRollout(file).records.map((r) => r.timestamp.slice(0, 10))),
  );
  assert.deepEqual(report.days.map((d) => d.date).sort(), [...recordDays].sort(), 'one day row per UTC day with usage');

  assert.equal(report.diagnostics.files, rolloutFiles(workspace.codexHome).length, 'diagnostics.files = rollout files');
  assert.equal(report.diagnostics.rejectedLines, 0, `real CLI logs parse cleanly: ${JSON.stringify(report.diagnostics.rejected)}`);
  assert.deepEqual(report.diagnostics.unpricedModels, [], 'both models are priced');
}

/**
 * Context fill of a session = prompt of its latest request (input incl. cached), per DESIGN.md §5, against the
 * window Codex itself reported (`model_context_window`, in `task_started` and every `token_count`): that is the
 * window the CLI compacts against, so a fill shown against any other number disagrees with the agent.
 */
function assertContextFill(report: Report, workspace: CodexWorkspace, expected: ExpectedSession): void {
  const session = report.sessions.find((s) => s.sessionId === expected.sessionId);
  assert.ok(session, `report lists session ${expected.sessionId}`);
  const latest = expected.served.at(-1);
  assert.ok(latest, 'session has a served response');
  assert.equal(session.contextTokens, latest.usage.input, `session ${expected.sessionId}: contextTokens = latest request's input_tokens`);
  const reportedWindow = rolloutOf(workspace, expected.sessionId).tokenCounts.at(-1)?.modelContextWindow;
  assert.ok(reportedWindow, 'the rollout reports model_context_window');
  assert.equal(
    session.contextWindow,
    reportedWindow,
    `session ${expected.sessionId}: contextWindow = the rollout's model_context_window ` +
      '(token_usage_record is written before its token_count, so the window must come from task_started or be back-filled)',
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Layers 1 and 2: the CLI and its rollout.

function assertRunSucceeded(step: StepResult): void {
  assert.equal(step.run.timedOut, false, `codex hung:\n${describeRun(step.run)}`);
  assert.equal(step.run.exitCode, 0, `codex failed:\n${describeRun(step.run)}`);
  assert.equal(step.unconsumedSteps, 0, `codex made fewer requests than scripted:\n${describeRun(step.run)}`);
  assert.ok(step.threadId, 'stdout announces thread.started with a thread id');
  assert.ok(
    step.attempts.every((a) => !a.unscripted),
    `codex made more requests than scripted: ${JSON.stringify(step.attempts)}`,
  );
  for (const response of step.served) {
    assert.equal(response.threadId, step.threadId, 'requests carry the thread id as prompt_cache_key');
  }
}

function toRolloutUsage(served: ServedResponse): RolloutUsage {
  const { input, cached, output, reasoning } = served.usage;
  return {
    input_tokens: input,
    cached_input_tokens: cached,
    cache_write_input_tokens: 0,
    output_tokens: output,
    reasoning_output_tokens: reasoning,
    total_tokens: input + output,
  };
}

function sumUsage(served: ServedResponse[]): RolloutUsage {
  return served.map(toRolloutUsage).reduce(addUsage, zeroUsage);
}

function rolloutOf(workspace: CodexWorkspace, threadId: string): RolloutFacts {
  const files = rolloutFiles(workspace.codexHome).filter((f) => f.endsWith(`-${threadId}.jsonl`));
  assert.equal(files.length, 1, `exactly one rollout file for thread ${threadId}`);
  const facts = readRollout(files[0] ?? '');
  assert.equal(facts.sessionId, threadId, 'session_meta.id is the thread id');
  return facts;
}

/** One `token_usage_record` per served response, same id, same usage, attributed to the requested model. */
function assertRecordsMatchServed(facts: RolloutFacts, served: ServedResponse[]): void {
  assert.deepEqual(
    facts.records.map((r) => r.responseId),
    served.map((s) => s.responseId),
    'one token_usage_record per served response, in order',
  );
  facts.records.forEach((record, i) => {
    const response = served[i];
    assert.ok(response);
    assert.deepEqual(record.usage, toRolloutUsage(response), `record ${record.responseId}: usage as served`);
    assert.equal(record.model, response.model, `record ${record.responseId}: preceding turn_context names the model requested`);
  });
  assert.equal(facts.tokenCounts.length, served.length, 'one token_count per response, none per output item');
}

// ---------------------------------------------------------------------------------------------------------------

/** A fake Responses API and a Codex workspace on `branch` for one describe block: started before it, closed after. */
function codexWorld(branch: string): { readonly fake: FakeOpenAI; readonly workspace: CodexWorkspace } {
  let fake: FakeOpenAI | undefined;
  let workspace: CodexWorkspace | undefined;
  before(async () => {
    fake = await startFakeOpenAI();
    workspace = createCodexWorkspace({ baseUrl: fake.baseUrl, branch, requestMaxRetries, streamMaxRetries });
  });
  after(async () => {
    await fake?.close();
    workspace?.dispose();
  });
  return {
    get fake() {
      return fake!;
    },
    get workspace() {
      return workspace!;
    },
  };
}

describe('Codex CLI 0.169.0 (real) → rollout logs → agent-meter report', { concurrency: 1 }, () => {
  describe('tool loop, resume with a model switch, fork', { concurrency: 1 }, () => {
    const world = codexWorld(agentBranch);
    let loop: StepResult | undefined;
    let resumed: StepResult | undefined;

    test('(a) tool loop: reasoning, messages and function calls, two calls in one response', { timeout: SCENARIO_TIMEOUT_MS }, async (t) => {
      loop = await toolLoop(world.fake, world.workspace);
      assertRunSucceeded(loop);
      assert.deepEqual(loop.attempts.map((a) => a.status), [200, 200, 200, 200]);
      assert.ok(world.fake.advertisedTools().includes('exec_command'), `CLI advertises exec_command: ${world.fake.advertisedTools().join(', ')}`);

      // The CLI ran every command in the repo and sent each output back.
      const callIds = loop.served.flatMap((r) => r.callIds);
      assert.equal(callIds.length, 4);
      assert.equal(loop.served[1]?.callIds.length, 2, 'the second response carries two function calls');
      const outputOf = (callId: string | undefined): string => world.fake.toolOutputs.find((o) => o.callId === callId)?.output ?? '';
      assert.match(outputOf(callIds[0]), /notes\.txt/, 'ls -a output came back');
      assert.match(outputOf(callIds[1]), /alpha\nbeta\ngamma/, 'cat notes.txt output came back');
      assert.match(outputOf(callIds[2]), new RegExp(agentBranch), 'git branch output came back');
      assert.match(outputOf(callIds[3]), /\b42\b/, 'arithmetic output came back');

      const threadId = loop.threadId ?? '';
      const served = loop.served;
      const facts = rolloutOf(world.workspace, threadId);
      assert.equal(facts.cwd, world.workspace.repo);
      assert.equal(facts.branch, agentBranch);
      assert.deepEqual(facts.models, ['gpt-5-codex']);
      assertRecordsMatchServed(facts, loop.served);
      assert.deepEqual(facts.tokenCounts.at(-1)?.total, sumUsage(loop.served), 'last total_token_usage = served sum');

      await t.test('agent-meter report equals the served truth', () => {
        requireCli();
        const report = agentMeterReport(world.workspace);
        assertReportMatchesServed(report, world.workspace, [{ sessionId: threadId, served }]);
      });
    });

    test('(c) resume --last with -c model="gpt-5-mini": same file, totals keep running, two models', { timeout: SCENARIO_TIMEOUT_MS }, async (t) => {
      assert.ok(loop?.threadId, 'needs scenario (a)');
      resumed = await resumeWithModelSwitch(world.fake, world.workspace);
      assertRunSucceeded(resumed);
      assert.equal(resumed.threadId, loop.threadId, 'resume continues the same thread');
      assert.deepEqual(resumed.served.map((r) => r.model), ['gpt-5-mini', 'gpt-5-mini']);

      assert.equal(rolloutFiles(world.workspace.codexHome).length, 1, 'resume appends to the existing rollout file');
      const facts = rolloutOf(world.workspace, loop.threadId);
      assert.equal(facts.tasks, 2, 'one task_started per run');
      assert.deepEqual(facts.models, ['gpt-5-codex', 'gpt-5-mini'], 'a second turn_context names the new model');
      const threadServed = [...loop.served, ...resumed.served];
      assertRecordsMatchServed(facts, threadServed);
      assert.deepEqual(facts.tokenCounts.at(-1)?.total, sumUsage(threadServed), 'running total continues across resume');
      // The trap: summing every total_token_usage would count earlier responses again.
      const naive = facts.tokenCounts.reduce((sum, c) => sum + c.total.total_tokens, 0);
      assert.ok(naive > sumUsage(threadServed).total_tokens);

      const threadId = loop.threadId;
      await t.test('agent-meter report: one session, both models, running totals not re-counted', () => {
        requireCli();
        const report = agentMeterReport(world.workspace);
        assertReportMatchesServed(report, world.workspace, [{ sessionId: threadId, served: threadServed }]);
      });
      await t.test('agent-meter report: context fill of the resumed session', () => {
        requireCli();
        assertContextFill(agentMeterReport(world.workspace), world.workspace, { sessionId: threadId, served: threadServed });
      });
    });

    test('(d) fork: a new session whose first token_count includes the parent, counted once', { timeout: SCENARIO_TIMEOUT_MS }, async (t) => {
      assert.ok(loop?.threadId && resumed, 'needs scenarios (a) and (c)');
      const parentId = loop.threadId;
      const fork = await forkThread(world.fake, world.workspace, parentId);
      assertRunSucceeded(fork);
      const forkId = fork.threadId ?? '';
      assert.notEqual(forkId, parentId, 'a fork is a new thread');
      assert.deepEqual(fork.served.map((r) => r.model), ['gpt-5-mini']);

      assert.equal(rolloutFiles(world.workspace.codexHome).length, 2, 'the fork has its own rollout file');
      const parentServed = [...loop.served, ...resumed.served];
      const parentFacts = rolloutOf(world.workspace, parentId);
      assertRecordsMatchServed(parentFacts, parentServed);
      const facts = rolloutOf(world.workspace, forkId);
      assert.equal(facts.forkedFromId, parentId, 'session_meta.forked_from_id names the parent');
      assert.deepEqual(facts.models, ['gpt-5-mini'], "the fork's own turn_context names its model");
      assertRecordsMatchServed(facts, fork.served);
      const firstTotal = facts.tokenCounts[0]?.total;
      assert.deepEqual(firstTotal, addUsage(sumUsage(parentServed), sumUsage(fork.served)), "the fork's first total includes the parent's");
      assert.deepEqual(facts.records[0]?.usage, toRolloutUsage(fork.served[0] ?? assert.fail()), 'token_usage_record.usage is the fork’s own');

      const sessions = [
        { sessionId: parentId, served: parentServed },
        { sessionId: forkId, served: fork.served },
      ];
      await t.test('agent-meter report: the fork is its own session and the parent is not re-counted', () => {
        requireCli();
        const report = agentMeterReport(world.workspace);
        assertReportMatchesServed(report, world.workspace, sessions);
        assert.equal(report.sessions.length, 2);
      });
      await t.test('agent-meter report: context fill of the fork', () => {
        requireCli();
        assertContextFill(agentMeterReport(world.workspace), world.workspace, { sessionId: forkId, served: fork.served });
      });
    });
  });

  describe('retries, then a run where every attempt fails', { concurrency: 1 }, () => {
    const world = codexWorld(flakyBranch);
    let retried: StepResult | undefined;

    test('(b) 500, 429 retry-after 1, 503, then success: invisible in the rollout, only the success billed', { timeout: SCENARIO_TIMEOUT_MS }, async (t) => {
      retried = await retriesThenSuccess(world.fake, world.workspace);
      assertRunSucceeded(retried);
      assert.deepEqual(retried.attempts.map((a) => a.status), [500, 429, 503, 200]);
      assert.equal(retried.served.length, 1);
      // Observed: only the 429 surfaces on stdout, as a stream reconnect; 500 and 503 are retried silently.
      const reconnects = retried.run.events.filter((e) => e.type === 'error');
      assert.equal(reconnects.length, 1, `stdout error events: ${JSON.stringify(reconnects)}`);
      assert.match(String(reconnects[0]?.message), /429/);

      const threadId = retried.threadId ?? '';
      const facts = rolloutOf(world.workspace, threadId);
      assertRecordsMatchServed(facts, retried.served);
      assert.equal(Object.keys(facts.lineTypes).some((type) => /error/i.test(type)), false, `no error lines: ${JSON.stringify(facts.lineTypes)}`);

      const served = retried.served;
      await t.test('agent-meter report: failed attempts are not billed', () => {
        requireCli();
        const report = agentMeterReport(world.workspace);
        assertReportMatchesServed(report, world.workspace, [{ sessionId: threadId, served }]);
        assertContextFill(report, world.workspace, { sessionId: threadId, served });
      });
    });

    test('(e) every attempt fails: exit 1, no token_count, totals unchanged', { timeout: SCENARIO_TIMEOUT_MS }, async (t) => {
      assert.ok(retried?.threadId, 'needs scenario (b)');
      const hasCli = existsSync(cliPath);
      const beforeFailure = hasCli ? agentMeterReport(world.workspace) : undefined;

      const failed = await allAttemptsFail(world.fake, world.workspace);
      assert.equal(failed.run.timedOut, false, `codex hung:\n${describeRun(failed.run)}`);
      assert.equal(failed.run.exitCode, 1, `codex gives up with exit 1:\n${describeRun(failed.run)}`);
      assert.equal(failed.served.length, 0);
      assert.equal(failed.attempts.length, allFailAttempts, '(request_max_retries + 1) × (stream_max_retries + 1) attempts');
      assert.ok(failed.attempts.every((a) => !a.unscripted));
      assert.equal(failed.run.events.at(-1)?.type, 'turn.failed');

      const facts = rolloutOf(world.workspace, failed.threadId ?? '');
      assert.equal(facts.records.length, 0, 'no token_usage_record');
      assert.equal(facts.tokenCounts.length, 0, 'no token_count');
      assert.equal(facts.tasks, 1);
      assert.equal(facts.lineTypes['event_msg:task_complete'], 1, 'the failed task still ends with task_complete');

      const billed = { sessionId: retried.threadId, served: retried.served };
      await t.test('agent-meter report: totals unchanged by the failed run', () => {
        requireCli();
        assert.ok(beforeFailure !== undefined, 'the report before the failed run was not taken');
        const afterFailure = agentMeterReport(world.workspace);
        assert.deepEqual(afterFailure.totals, beforeFailure.totals, 'a run that billed nothing changes no total');
        assert.deepEqual(afterFailure.days, beforeFailure.days);
        assertReportMatchesServed(afterFailure, world.workspace, [billed]);
        assert.deepEqual(afterFailure.findings, [], 'retried and failed requests are no retry loop of tool calls');
      });
    });
  });

  describe('a command failing in a loop', { concurrency: 1 }, () => {
    const world = codexWorld(agentBranch);

    test('(f) the same failing command four times: one retry-loop finding with the four responses\' dollars', { timeout: SCENARIO_TIMEOUT_MS }, async (t) => {
      const loop = await failingCommandLoop(world.fake, world.workspace);
      assertRunSucceeded(loop);
      // The real shell ran the command each time and it failed: the output's header carries exit code 1.
      const outputs = world.fake.toolOutputs.filter((o) => loop.served.some((r) => r.callIds.includes(o.callId)));
      assert.equal(outputs.length, 4);
      for (const o of outputs) assert.match(o.output, /Process exited with code 1/);

      await t.test('agent-meter report names the loop, and nothing else', () => {
        requireCli();
        const report = agentMeterReport(world.workspace);
        assertReportMatchesServed(report, world.workspace, [{ sessionId: loop.threadId ?? '', served: loop.served }]);
        assert.deepEqual(
          report.findings.map((f) => ({ kind: f.kind, pattern: f.pattern, severity: f.severity, turns: f.turns, sessionId: f.sessionId })),
          [{ kind: 'retry-loop', pattern: 'failing-command', severity: 'warning', turns: [1, 2, 3, 4], sessionId: loop.threadId }],
        );
        assertCloseUsd(report.findings[0]!.usdAtStake, servedTotals(loop.served.slice(0, 4)).costUsd, 'usdAtStake = the four looping responses');
      });
    });
  });
});
