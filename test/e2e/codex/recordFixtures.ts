// Regenerates test/fixtures/codex-real/: rollout logs written by the real Codex CLI for the e2e scenarios, plus a
// truth.json with what the fake server actually served, so fast unit tests can parse real logs offline.
//
//   node --import tsx test/e2e/codex/recordFixtures.ts
//
// The rollout files are copied byte for byte (nothing stripped); their paths (cwd) point into a temp directory
// that no longer exists, and truth.json records which one. Scenarios stay short so the fixtures stay small.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startFakeOpenAI } from './fakeOpenAI';
import type { FakeOpenAI, ServedResponse } from './fakeOpenAI';
import { readRollout } from './rolloutFacts';
import { createCodexWorkspace, describeRun, repoRoot, rolloutFiles } from './runCodex';
import type { CodexWorkspace } from './runCodex';
import {
  agentBranch,
  allAttemptsFail,
  flakyBranch,
  forkThread,
  ratesUsdPerMillion,
  requestMaxRetries,
  resumeWithModelSwitch,
  retriesThenSuccess,
  servedTotals,
  streamMaxRetries,
  toolLoop,
} from './scenarios';
import type { StepResult } from './scenarios';

const fixturesRoot = join(repoRoot, 'test', 'fixtures', 'codex-real');
/** The budget the fixtures must stay under; the real CLI writes ~22 KB of base instructions per session. */
const MAX_FIXTURE_BYTES = 200 * 1024;

interface Fixture {
  name: string;
  description: string;
  branch: string;
  /** Runs the scenario's steps in order on one workspace. */
  run(fake: FakeOpenAI, workspace: CodexWorkspace): Promise<StepResult[]>;
}

const fixtures: Fixture[] = [
  {
    name: 'tool-loop-resume-fork',
    description:
      '(a) a tool loop of 4 responses (reasoning, messages, 4 exec_command calls, two in one response) with gpt-5-codex; ' +
      '(c) `codex exec resume --last -c model="gpt-5-mini"` appending 2 responses to the same file; ' +
      '(d) `codex exec fork <thread> -c model="gpt-5-mini"` writing a new file whose first token_count total includes the parent.',
    branch: agentBranch,
    async run(fake, workspace) {
      const loop = await toolLoop(fake, workspace);
      const resumed = await resumeWithModelSwitch(fake, workspace);
      const fork = await forkThread(fake, workspace, loop.threadId ?? '');
      return [loop, resumed, fork];
    },
  },
  {
    name: 'retries-and-failure',
    description:
      '(b) 500, 429 (retry-after: 1), 503, then one successful response: the failed attempts leave no trace in the rollout; ' +
      `(e) a new session where all ${(requestMaxRetries + 1) * (streamMaxRetries + 1)} attempts fail (exit 1): a rollout with no token_count.`,
    branch: flakyBranch,
    async run(fake, workspace) {
      return [await retriesThenSuccess(fake, workspace), await allAttemptsFail(fake, workspace)];
    },
  },
];

/** Served usage in the API's own field names, so a unit test can compare without our vocabulary. */
function servedUsageJson(response: ServedResponse): Record<string, unknown> {
  const { input, cached, output, reasoning } = response.usage;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output,
  };
}

function totalsJson(served: ServedResponse[]): Record<string, unknown> {
  const totals = servedTotals(served);
  return {
    requests: totals.requests,
    tokens: { input: totals.input, output: totals.output, cacheRead: totals.cacheRead, cacheWrite5m: 0, cacheWrite1h: 0 },
    reasoningTokens: totals.reasoning,
    costUsd: Number(totals.costUsd.toFixed(9)),
  };
}

function checkStep(step: StepResult): void {
  const shouldFail = step.name === 'all-attempts-fail';
  const ok = shouldFail ? step.run.exitCode === 1 : step.run.exitCode === 0 && step.unconsumedSteps === 0;
  if (!ok || step.run.timedOut) throw new Error(`step ${step.name} did not go as scripted:\n${describeRun(step.run)}`);
}

function directorySize(dir: string): number {
  let size = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    size += stat.isDirectory() ? directorySize(path) : stat.size;
  }
  return size;
}

async function record(fixture: Fixture, cliVersion: string): Promise<void> {
  const fake = await startFakeOpenAI();
  const workspace = createCodexWorkspace({ baseUrl: fake.baseUrl, branch: fixture.branch, requestMaxRetries, streamMaxRetries });
  try {
    const steps = await fixture.run(fake, workspace);
    steps.forEach(checkStep);

    const target = join(fixturesRoot, fixture.name);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    cpSync(join(workspace.codexHome, 'sessions'), join(target, 'sessions'), { recursive: true });

    const allServed = steps.flatMap((s) => s.served);
    const sessions = rolloutFiles(workspace.codexHome).map((file) => {
      const facts = readRollout(file);
      const served = allServed.filter((r) => r.threadId === facts.sessionId);
      return {
        sessionId: facts.sessionId,
        file: relative(workspace.codexHome, file),
        forkedFromId: facts.forkedFromId ?? null,
        project: facts.cwd,
        branch: facts.branch ?? null,
        models: [...new Set(served.map((r) => r.model))],
        responseIds: served.map((r) => r.responseId),
        ...totalsJson(served),
      };
    });
    const truth = {
      generatedBy: 'test/e2e/codex/recordFixtures.ts',
      cli: cliVersion,
      recordedAt: new Date().toISOString(),
      description: fixture.description,
      project: workspace.repo,
      branch: workspace.branch,
      ratesUsdPerMillion,
      steps: steps.map((step) => ({
        name: step.name,
        command: ['codex', ...step.run.args],
        exitCode: step.run.exitCode,
        threadId: step.threadId ?? null,
        attemptStatuses: step.attempts.map((a) => a.status),
        responses: step.served.map((r) => ({ responseId: r.responseId, model: r.model, threadId: r.threadId, usage: servedUsageJson(r) })),
      })),
      sessions,
      totals: totalsJson(allServed),
    };
    writeFileSync(join(target, 'truth.json'), `${JSON.stringify(truth, null, 2)}\n`);
    console.log(`${fixture.name}: ${sessions.length} rollout file(s), ${allServed.length} responses, ${directorySize(target)} bytes`);
  } finally {
    await fake.close();
    workspace.dispose();
  }
}

async function main(): Promise<void> {
  const version = spawnSync(join(repoRoot, 'node_modules', '.bin', 'codex'), ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const cliVersion = version.stdout.trim() || 'unknown';
  for (const fixture of fixtures) await record(fixture, cliVersion);
  const total = directorySize(fixturesRoot);
  console.log(`test/fixtures/codex-real: ${total} bytes`);
  if (total > MAX_FIXTURE_BYTES) throw new Error(`fixtures are ${total} bytes, over the ${MAX_FIXTURE_BYTES}-byte budget`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
