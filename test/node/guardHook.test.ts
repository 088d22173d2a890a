// The built hook (dist/guard.js) as Claude Code runs it: a process with the hook's JSON on stdin, judged by its exit
// code, stdout and stderr, for every budget state × the events it is installed on. Build first: npm run build.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

const GUARD = path.resolve('dist/guard.js');
const REASON = 'Agent Meter: monthly budget reached ($103.20 of $100.00). Raise agentMeter.budgets.monthly or wait for the period to reset.';

interface HookRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runGuard(stateDir: string | undefined, stdin: string | undefined, env: NodeJS.ProcessEnv = {}): Promise<HookRun> {
  const args = [GUARD, '--agent-meter-guard', ...(stateDir ? ['--state-dir', stateDir] : [])];
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env: { PATH: process.env['PATH'], HOME: os.tmpdir(), ...env } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.on('error', () => undefined); // the hook may stop reading before we stop writing
    if (stdin !== undefined) child.stdin.end(stdin);
  });
}

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-guard-hook-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A state dir holding `content` as its budget-state.json (undefined: no file). */
function stateDirWith(name: string, content: string | undefined): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  if (content !== undefined) fs.writeFileSync(path.join(dir, 'budget-state.json'), content);
  return dir;
}

const state = (s: string, updatedAt = new Date(Date.now() - 30_000).toISOString()) => JSON.stringify({ version: 1, updatedAt, state: s, reason: REASON });

// What Claude Code sends (notes §11), with the fields the guard ignores.
const INPUTS = {
  prompt: JSON.stringify({ session_id: 's', transcript_path: '/t.jsonl', cwd: '/w', permission_mode: 'default', hook_event_name: 'UserPromptSubmit', prompt: 'Fix the bug.' }),
  agent: JSON.stringify({ session_id: 's', cwd: '/w', hook_event_name: 'PreToolUse', tool_name: 'Agent', tool_input: { description: 'd', prompt: 'p', subagent_type: 'general-purpose' } }),
  bash: JSON.stringify({ session_id: 's', cwd: '/w', hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'ls' } }),
};

type Expect = 'allow' | 'block' | 'warn';
const MATRIX: { name: string; content: string | undefined; expect: Record<keyof typeof INPUTS, Expect> }[] = [
  { name: 'ok', content: state('ok'), expect: { prompt: 'allow', agent: 'allow', bash: 'allow' } },
  { name: 'warn', content: state('warn'), expect: { prompt: 'allow', agent: 'allow', bash: 'allow' } },
  { name: 'throttle', content: state('throttle'), expect: { prompt: 'warn', agent: 'block', bash: 'allow' } },
  { name: 'stop', content: state('stop'), expect: { prompt: 'block', agent: 'block', bash: 'allow' } },
  { name: 'missing', content: undefined, expect: { prompt: 'allow', agent: 'allow', bash: 'allow' } },
  { name: 'stale', content: state('stop', new Date(Date.now() - 11 * 60_000).toISOString()), expect: { prompt: 'allow', agent: 'allow', bash: 'allow' } },
  { name: 'future', content: state('stop', new Date(Date.now() + 11 * 60_000).toISOString()), expect: { prompt: 'allow', agent: 'allow', bash: 'allow' } },
  { name: 'garbage', content: '\u0000{"version":1,"state":"stop"', expect: { prompt: 'allow', agent: 'allow', bash: 'allow' } },
  { name: 'wrong-version', content: state('stop').replace('"version":1', '"version":2'), expect: { prompt: 'allow', agent: 'allow', bash: 'allow' } },
];

describe('dist/guard.js as a process', () => {
  before(() => assert.ok(fs.existsSync(GUARD), `${GUARD} is missing: run npm run build first`));

  for (const row of MATRIX) {
    for (const input of Object.keys(INPUTS) as (keyof typeof INPUTS)[]) {
      const expect = row.expect[input];
      it(`${row.name} state × ${input}: ${expect}`, async () => {
        const r = await runGuard(stateDirWith(row.name, row.content), INPUTS[input]);
        if (expect === 'allow') {
          assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 0, stdout: '', stderr: '' });
        } else if (expect === 'block') {
          assert.equal(r.code, 2);
          assert.equal(r.stdout, '');
          assert.ok(r.stderr.startsWith(REASON), r.stderr);
        } else {
          assert.equal(r.code, 0);
          assert.equal(r.stderr, '');
          assert.deepEqual(JSON.parse(r.stdout), { systemMessage: REASON });
        }
      });
    }
  }

  it('allows when stdin is empty, not JSON, or unreadable in time', async () => {
    const dir = stateDirWith('stop-inputs', state('stop'));
    for (const stdin of ['', 'not json', '[]', '{"hook_event_name": 3}']) {
      const r = await runGuard(dir, stdin);
      assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 0, stderr: '' }, JSON.stringify(stdin));
    }
    // Stdin never closed: the hook gives up after its 2 s limit instead of hanging the agent.
    const open = await runGuard(dir, undefined);
    assert.equal(open.code, 0);
    assert.ok(open.ms >= 1_900 && open.ms < 10_000, `${open.ms} ms`);
  });

  it('still blocks a prompt larger than its 1 MB read limit', async () => {
    const huge = JSON.stringify({ session_id: 's', hook_event_name: 'UserPromptSubmit', prompt: 'x'.repeat(3 * 1024 * 1024) });
    const r = await runGuard(stateDirWith('stop-huge', state('stop')), huge);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.startsWith(REASON));
  });

  it('reads $AGENT_METER_HOME when no --state-dir is given', async () => {
    const dir = stateDirWith('env-home', state('stop'));
    const r = await runGuard(undefined, INPUTS.prompt, { AGENT_METER_HOME: dir });
    assert.equal(r.code, 2);
  });

  it('is a small bundle without zod (it starts before every prompt)', () => {
    const text = fs.readFileSync(GUARD, 'utf8');
    assert.ok(!/zod/i.test(text), 'dist/guard.js bundles zod');
    assert.ok(text.length < 32 * 1024, `dist/guard.js is ${text.length} bytes`);
  });
});
