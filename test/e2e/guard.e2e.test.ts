// Real-agent e2e for the budget guard: the real Claude Code CLI (npm @anthropic-ai/claude-code, `claude -p`) with the
// guard installed by our real CLI (`node dist/cli.js guard install`) into its sandboxed config dir, against the fake
// Messages API on 127.0.0.1. The fake server's record of what reached it is the oracle: a blocked prompt must cost
// nothing because no request leaves the machine, and a blocked subagent must not make the subagent's requests.
// Run: npm run build && TZ=UTC node --import tsx --test --test-concurrency=1 test/e2e/guard.e2e.test.ts
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, before, beforeEach, describe, it } from 'node:test';
import { writeBudgetState } from '../../src/node/budgetStateFile';
import { scriptedHandler, startFakeAnthropic, type FakeAnthropic } from './claude/fakeAnthropic';
import { createSandbox, repoRoot, runClaude, type ClaudeRun, type Sandbox } from './claude/runClaude';
import { readLogLines } from './claude/scenarios';

const cliJs = join(repoRoot, 'dist', 'cli.js');
const keepSandboxes = process.env.AGENT_METER_E2E_KEEP === '1';
const MODEL = 'claude-sonnet-4-5';
const STOP_REASON = 'Agent Meter: monthly budget reached ($103.20 of $100.00). Raise agentMeter.budgets.monthly or wait for the period to reset.';
const THROTTLE_REASON = 'Agent Meter: monthly budget at 93% ($93.10 of $100.00); new subagents are paused.';
/** The subagent's task: any request carrying it would be the subagent running. */
const SUBAGENT_PROMPT = 'List the files in the repository root and report back.';

let sandbox: Sandbox;
let stateDir: string;
let server: FakeAnthropic;

function guardCli(action: 'install' | 'remove'): string {
  assert.ok(existsSync(cliJs), `${cliJs} is missing: run \`npm run build\` first`);
  const args = [cliJs, 'guard', action, '--claude-dir', sandbox.configDir, ...(action === 'install' ? ['--state-dir', stateDir] : [])];
  return execFileSync(process.execPath, args, { env: { ...process.env, HOME: sandbox.home }, encoding: 'utf8', timeout: 30_000 });
}

/** POST /v1/messages requests that reached the fake API, whatever was answered. */
const messageRequests = () => server.truth.responses.length + server.truth.errors.length + server.truth.unexpected.length;

function run(prompt: string): Promise<ClaudeRun> {
  return runClaude({ sandbox, baseUrl: server.baseUrl, prompt, model: MODEL, timeoutMs: 90_000 });
}

const reply = (text: string) => ({ kind: 'message' as const, blocks: [{ type: 'text' as const, text }], usage: { input: 50, output: 10 } });

describe('Claude Code budget guard with the real CLI', () => {
  before(() => assert.ok(existsSync(join(repoRoot, 'dist', 'guard.js')), 'dist/guard.js is missing: run `npm run build` first'));

  beforeEach(async () => {
    sandbox = createSandbox({ projectName: 'guarded_app' });
    stateDir = mkdtempSync(join(sandbox.root, 'state-'));
    server = await startFakeAnthropic(scriptedHandler([{ name: 'main', match: () => true, replies: [reply('Hello from the model.')] }], () => server.truth));
  });
  afterEach(async () => {
    await server.close();
    if (!keepSandboxes) rmSync(sandbox.root, { recursive: true, force: true });
  });

  it('stop: the prompt is refused before any request leaves, with our reason', async () => {
    assert.match(guardCli('install'), /^Budget guard installed in /);
    writeBudgetState(stateDir, { state: 'stop', reason: STOP_REASON });
    const r = await run('Say hello.');
    assert.equal(r.timedOut, false);
    assert.equal(messageRequests(), 0, `requests reached the API: ${JSON.stringify(server.truth)}`);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.ok(r.result, `no JSON result in: ${r.stdout}`);
    assert.equal(r.result.num_turns, 0);
    assert.equal(r.result.total_cost_usd, 0);
    assert.match(r.result.result ?? '', /UserPromptSubmit operation blocked by hook/);
    assert.ok(r.result.result?.includes(STOP_REASON), r.result.result);
  });

  it('throttle: the prompt goes through, a subagent call is refused with our reason and the turn carries on', async () => {
    guardCli('install');
    writeBudgetState(stateDir, { state: 'throttle', reason: THROTTLE_REASON });
    const agentCall = {
      type: 'tool_use' as const,
      name: 'Agent',
      input: { description: 'List repo files', prompt: SUBAGENT_PROMPT, subagent_type: 'general-purpose', model: 'haiku' },
    };
    const seen: string[] = [];
    const scripted = scriptedHandler(
        [
          { name: 'subagent', match: (req) => req.firstUserText.includes(SUBAGENT_PROMPT), replies: [reply('README.md')] },
          {
            name: 'main',
            match: (req) => req.requestedModel === MODEL && !req.isCompact,
            replies: [
              { kind: 'message', blocks: [{ type: 'text', text: 'Delegating.' }, agentCall], usage: { input: 900, output: 80 } },
              reply('The subagent was blocked, so I stopped there.'),
            ],
          },
        ],
        () => server.truth,
      );
    server.setHandler((req) => {
      seen.push(JSON.stringify(req.body['messages']));
      return scripted(req);
    });
    const r = await run('Use a subagent to list the repo files.');
    assert.equal(r.timedOut, false);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.result?.subtype, 'success');
    assert.equal(r.result?.result, 'The subagent was blocked, so I stopped there.');
    const labels = server.truth.responses.map((s) => s.label);
    assert.deepEqual(labels, ['main[0]', 'main[1]'], 'the prompt reached the API, the subagent never did');
    assert.deepEqual(server.truth.unexpected, []);

    // The model was told why, in an errored tool result …
    const lines = readLogLines(sandbox.configDir);
    const results = lines.flatMap((l) => {
      const content = (l.value.message as { content?: unknown } | undefined)?.content;
      return Array.isArray(content) ? (content as { type?: string; is_error?: boolean; content?: unknown }[]).filter((b) => b.type === 'tool_result') : [];
    });
    const blocked = results.filter((b) => b.is_error === true && JSON.stringify(b.content).includes(THROTTLE_REASON));
    assert.equal(blocked.length, 1, `tool results: ${JSON.stringify(results)}`);
    assert.match(JSON.stringify(blocked[0]!.content), /PreToolUse:Agent hook error/);
    // … and no subagent transcript was written.
    assert.ok(!lines.some((l) => l.file.includes('/subagents/')), 'a subagent log exists');

    // The prompt's warning (systemMessage) is for the user: the CLI records it as a hook_system_message attachment,
    // which the TUI shows under the prompt ("UserPromptSubmit says: …"); the model never sees it.
    const notices = lines.filter((l) => (l.value.attachment as { type?: string } | undefined)?.type === 'hook_system_message');
    assert.deepEqual(
      notices.map((l) => (l.value.attachment as { content?: unknown; hookEvent?: unknown }).content),
      [THROTTLE_REASON],
    );
    assert.equal(seen.length, 2);
    assert.ok(!seen[0]!.includes(THROTTLE_REASON), 'the warning reached the model');
  });

  it('after guard remove, the same stop state lets the prompt through', async () => {
    guardCli('install');
    assert.match(guardCli('remove'), /^Budget guard removed from /);
    const settings = JSON.parse(readFileSync(join(sandbox.configDir, 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(JSON.stringify(settings).includes('--agent-meter-guard'), false);
    writeBudgetState(stateDir, { state: 'stop', reason: STOP_REASON });
    const r = await run('Say hello.');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(messageRequests(), 1);
    assert.equal(r.result?.result, 'Hello from the model.');
  });

  it('a stale state (stop, written 11 minutes ago) lets the prompt through', async () => {
    guardCli('install');
    writeBudgetState(stateDir, { state: 'stop', reason: STOP_REASON }, new Date(Date.now() - 11 * 60_000));
    const r = await run('Say hello.');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(messageRequests(), 1);
    assert.equal(r.result?.result, 'Hello from the model.');
    assert.ok(!r.stdout.includes(STOP_REASON));
  });
});
