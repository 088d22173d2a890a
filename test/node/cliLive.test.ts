// The CLI's persistent and live commands as separate processes (the real CLI through tsx): writers racing on one
// state dir, and the Claude Code statusline with and without the optional stdin fields.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

const CLI = path.resolve('src/cli/entry.ts');
const FIXTURES = path.resolve('test/fixtures/claude-real');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI from its sources (through tsx). */
function run(args: string[], stdin = '', env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runNode(['--import', 'tsx', CLI, ...args], stdin, env);
}

function runNode(argv: string[], stdin: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { env: { ...process.env, TZ: 'UTC', ...env } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

interface Truth {
  expected: { loggedRequests: number; loggedTokens: { input: number; output: number }; sessions: { sessionId: string; costUsd: number }[] };
}
const scenarios = fs.readdirSync(FIXTURES).filter((d) => fs.existsSync(path.join(FIXTURES, d, 'truth.json')));
const truths = scenarios.map((d) => JSON.parse(fs.readFileSync(path.join(FIXTURES, d, 'truth.json'), 'utf8')) as Truth);
const dirArgs = scenarios.flatMap((d) => ['--claude-dir', path.join(FIXTURES, d)]);
const want = {
  requests: truths.reduce((a, t) => a + t.expected.loggedRequests, 0),
  input: truths.reduce((a, t) => a + t.expected.loggedTokens.input, 0),
};

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-cli-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('two writers racing on one state dir', () => {
  it('both report exact totals; one writes, the store stays whole', async () => {
    const state = path.join(tmp, 'race');
    const [a, b] = await Promise.all([run(['report', '--json', ...dirArgs, '--state-dir', state]), run(['report', '--json', ...dirArgs, '--state-dir', state])]);
    for (const r of [a, b]) {
      assert.equal(r.code, 0, r.stderr);
      const rep = JSON.parse(r.stdout);
      assert.equal(rep.totals.requests, want.requests);
      assert.equal(rep.totals.tokens.input, want.input);
    }
    const third = await run(['report', '--json', ...dirArgs, '--state-dir', state]);
    assert.equal(third.code, 0);
    assert.equal(third.stderr, '', 'no warnings: the store is whole');
    assert.equal(JSON.parse(third.stdout).totals.requests, want.requests);
    assert.equal(fs.existsSync(path.join(state, 'ledger', 'writer.lock')), false, 'the lock was released');
  });
});

describe('cold scans on worker threads (the built bundle: dist/scanWorker.js)', () => {
  const dist = path.resolve('dist/cli.js');
  let many: string;
  before(() => {
    many = path.join(tmp, 'many');
    // 80 copies of the fixture logs (enough files for a worker), each copy its own sessions.
    for (let i = 0; i < 80; i++) {
      const dir = path.join(many, 'projects', `p${i}`);
      fs.mkdirSync(dir, { recursive: true });
      for (const f of fs.readdirSync(path.join(FIXTURES, scenarios[0]!), { recursive: true, encoding: 'utf8' }).filter((x) => x.endsWith('.jsonl'))) {
        const text = fs.readFileSync(path.join(FIXTURES, scenarios[0]!, f), 'utf8').replace(/msg_/g, `msg_${i}_`);
        fs.writeFileSync(path.join(dir, `${i}-${path.basename(f)}`), text);
      }
    }
  });
  const runDist = (args: string[], env: NodeJS.ProcessEnv) => runNode([dist, 'report', '--json', '--claude-dir', many, ...args], '', env);

  it('reads the dead worker\'s files on the main thread: totals stay exact', async () => {
    if (!fs.existsSync(path.resolve('dist/scanWorker.js'))) return assert.fail('dist/ is not built (npm run build)');
    const healthy = await runDist(['--no-state'], { AGENT_METER_WORKERS: '1' });
    const crashed = await runDist(['--no-state'], { AGENT_METER_WORKERS: '1', AGENT_METER_TEST_WORKER_DIES_AFTER: '3' });
    assert.equal(crashed.code, 0, crashed.stderr);
    const a = JSON.parse(healthy.stdout);
    const b = JSON.parse(crashed.stdout);
    assert.equal(a.totals.requests, 80 * truths[0]!.expected.loggedRequests);
    assert.deepEqual(b.totals, a.totals);
    assert.equal(b.diagnostics.files, a.diagnostics.files);
  });

  it('a cold store starts its workers before the full CLI loads; totals equal a single-threaded scan, even when that early worker dies', async () => {
    if (!fs.existsSync(path.resolve('dist/scanWorker.js'))) return assert.fail('dist/ is not built (npm run build)');
    const alone = JSON.parse((await runDist(['--no-state'], { AGENT_METER_WORKERS: '0' })).stdout);
    // Workers chosen by cores (at least one here: 80 copies are well above the threshold), then one pinned worker
    // that dies on its first file: one of those sent to it before the scan was listening.
    for (const env of [{}, { AGENT_METER_WORKERS: '1', AGENT_METER_TEST_WORKER_DIES_AFTER: '0' }]) {
      const state = fs.mkdtempSync(path.join(tmp, 'cold-'));
      const cold = await runDist(['--state-dir', state], env);
      assert.equal(cold.code, 0, cold.stderr);
      assert.equal(cold.stderr, '');
      const r = JSON.parse(cold.stdout);
      assert.deepEqual(r.totals, alone.totals, JSON.stringify(env));
      assert.deepEqual(r.diagnostics, alone.diagnostics);
      // The store it wrote answers the same on the next (warm) run.
      const warm = await runDist(['--state-dir', state], {});
      assert.deepEqual(JSON.parse(warm.stdout).totals, alone.totals);
    }
  });
});

describe('watch', () => {
  it('reports an append made right after ready, as one JSON line with the new totals', async () => {
    const logs = path.join(tmp, 'watched');
    fs.cpSync(path.join(FIXTURES, scenarios[0]!), logs, { recursive: true });
    const file = fs.readdirSync(logs, { recursive: true, encoding: 'utf8' }).map((f) => path.join(logs, f)).find((f) => f.endsWith('.jsonl'))!;
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'watch', '--json', '--claude-dir', logs, '--state-dir', path.join(tmp, 'watch-state')], { env: { ...process.env, TZ: 'UTC' } });
    const lines: Record<string, unknown>[] = [];
    let buffer = '';
    const waitFor = (n: number, ms: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${lines.length} lines after ${ms} ms`)), ms);
        const check = () => (lines.length >= n ? (clearTimeout(timer), resolve()) : setTimeout(check, 10));
        check();
      });
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        lines.push(JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>);
        buffer = buffer.slice(nl + 1);
      }
    });
    try {
      await waitFor(1, 30_000);
      assert.equal(lines[0]!['event'], 'ready');
      const before = lines[0]!['requests'] as number;
      const last = fs.readFileSync(file, 'utf8').trim().split('\n').filter((l) => l.includes('"usage"')).pop()!;
      fs.appendFileSync(file, `${last.replace(/"id":"msg_[^"]+"/, '"id":"msg_watched"')}\n`);
      await waitFor(2, 10_000);
      assert.equal(lines[1]!['event'], 'change');
      assert.equal(lines[1]!['requests'], before + 1);
      assert.ok((lines[1]!['costUsd'] as number) > (lines[0]!['costUsd'] as number));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    }
    assert.equal(fs.existsSync(path.join(tmp, 'watch-state', 'ledger', 'writer.lock')), false, 'SIGTERM releases the lock');
  });
});

describe('watch with budgets and findings', () => {
  it('says when a budget is crossed, publishes the guard state, and reports a retry loop as it happens', async () => {
    const logs = path.join(tmp, 'watched-loop');
    const stateDir = path.join(tmp, 'watch-loop-state');
    fs.cpSync(path.join(FIXTURES, 'i-retry-loop'), logs, { recursive: true });
    const file = fs.readdirSync(logs, { recursive: true, encoding: 'utf8' }).map((f) => path.join(logs, f)).find((f) => f.endsWith('.jsonl'))!;
    // The real CLI's log, moved to now (findings are about the last 24 hours), split after its second failure.
    const text = fs.readFileSync(file, 'utf8');
    const first = Date.parse(/"timestamp":"([^"]+)"/.exec(text)![1]!);
    const shift = Date.now() - 60_000 - first;
    const moved = text.replace(/"timestamp":"([^"]+)"/g, (_, t: string) => `"timestamp":"${new Date(Date.parse(t) + shift).toISOString()}"`).trim().split('\n');
    const failures = moved.map((l, i) => (l.includes('"is_error":true') ? i : -1)).filter((i) => i !== -1);
    const cut = failures[1]! + 1;
    fs.writeFileSync(file, `${moved.slice(0, cut).join('\n')}\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'watch', '--json', '--claude-dir', logs, '--state-dir', stateDir, '--budget-daily', '0.01', '--publish-state'], {
      env: { ...process.env, TZ: 'UTC' },
    });
    const lines: Record<string, unknown>[] = [];
    let buffer = '';
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        lines.push(JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>);
        buffer = buffer.slice(nl + 1);
      }
    });
    const waitFor = (what: string, pred: () => boolean, ms: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} after ${ms} ms: ${JSON.stringify(lines)}`)), ms);
        const check = () => (pred() ? (clearTimeout(timer), resolve()) : setTimeout(check, 10));
        check();
      });
    try {
      await waitFor('budget line', () => lines.some((l) => l['event'] === 'budget'), 30_000);
      const budget = lines.find((l) => l['event'] === 'budget')!;
      assert.equal(budget['id'], 'today');
      assert.equal(budget['state'], 'stop');
      const state = JSON.parse(fs.readFileSync(path.join(stateDir, 'budget-state.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(state['state'], 'stop');
      assert.match(String(state['reason']), /^Agent Meter: daily budget at \d+% \(\$0\.\d\d of \$0\.01\)\. Raise agentMeter\.budgets\.daily or wait until tomorrow\.$/);
      assert.equal(lines.filter((l) => l['event'] === 'finding').length, 0, 'two failures are not a loop yet');
      fs.appendFileSync(file, `${moved.slice(cut).join('\n')}\n`);
      await waitFor('finding', () => lines.some((l) => l['event'] === 'finding'), 10_000);
      const finding = lines.find((l) => l['event'] === 'finding')!;
      assert.equal(finding['kind'], 'retry-loop');
      assert.equal(finding['pattern'], 'failing-command');
      assert.deepEqual(finding['turns'], [1, 2, 3, 4]);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    }
  });
});

describe('a repeated report', () => {
  it('answers from the cached view while no log changed, and rebuilds when one did', async () => {
    const logs = path.join(tmp, 'logs');
    fs.cpSync(path.join(FIXTURES, scenarios[0]!), logs, { recursive: true });
    const state = path.join(tmp, 'views');
    const args = ['report', '--json', '--claude-dir', logs, '--state-dir', state];
    const first = JSON.parse((await run(args)).stdout);
    assert.equal(fs.readdirSync(path.join(state, 'views')).length, 1);
    const second = JSON.parse((await run(args)).stdout);
    assert.deepEqual({ ...second, generatedAt: '' }, { ...first, generatedAt: '' });
    // Append one more response to a transcript: the fingerprint changes, the report is built again.
    const file = fs.readdirSync(logs, { recursive: true, encoding: 'utf8' }).map((f) => path.join(logs, f)).find((f) => f.endsWith(`${truths[0]!.expected.sessions[0]!.sessionId}.jsonl`))!;
    const last = fs.readFileSync(file, 'utf8').trim().split('\n').filter((l) => l.includes('"usage"')).pop()!;
    fs.appendFileSync(file, `${last.replace(/"id":"msg_[^"]+"/, '"id":"msg_appended"')}\n`);
    const third = JSON.parse((await run(args)).stdout);
    assert.equal(third.totals.requests, first.totals.requests + 1);
    // Other options are another view.
    const since = JSON.parse((await run([...args, '--since', '2099-01-01'])).stdout);
    assert.equal(since.totals.requests, 0);
  });
});

describe('statusline', () => {
  const state = () => path.join(tmp, 'status');
  const session = truths[0]!.expected.sessions[0]!;
  const transcript = fs
    .readdirSync(path.join(FIXTURES, scenarios[0]!), { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(FIXTURES, scenarios[0]!, f))
    .find((f) => f.endsWith(`${session.sessionId}.jsonl`))!;

  it('answers with no stdin at all (no session: totals only)', async () => {
    const r = await run(['statusline', ...dirArgs, '--state-dir', state()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\$0\.00 session · \$\d+\.\d\d today\n$/);
  });

  it("shows the session's cost and the context fill Claude Code reports", async () => {
    const input = JSON.stringify({ session_id: session.sessionId, transcript_path: transcript, context_window: { context_window_size: 200000, used_percentage: 41.6 } });
    const r = await run(['statusline', ...dirArgs, '--state-dir', state()], input);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split(' · ')[0], `$${session.costUsd.toFixed(2)} session`);
    assert.match(r.stdout, / · 42% ctx\n$/);
  });

  it('computes the fill from current_usage, or from the ledger when stdin has neither', async () => {
    const usage = JSON.stringify({ session_id: session.sessionId, context_window: { context_window_size: 200000, current_usage: { input_tokens: 1000, cache_read_input_tokens: 49000, cache_creation_input_tokens: 0 } } });
    const r1 = await run(['statusline', ...dirArgs, '--state-dir', state()], usage);
    assert.match(r1.stdout, / · 25% ctx \(50k\/200k\)\n$/);
    const bare = JSON.stringify({ session_id: session.sessionId });
    const r2 = await run(['statusline', ...dirArgs, '--state-dir', state()], bare);
    assert.match(r2.stdout, / · \d+% ctx \(\d+k\/200k\)\n$/);
  });

  it('starts Node without NODE_EXTRA_CA_CERTS through bin/agent-meter-statusline, and gives it back to a chained command', async () => {
    if (!fs.existsSync(path.resolve('dist/cli.js'))) return assert.fail('dist/ is not built (npm run build)');
    // A symlink, as npm installs the bin; a CA path Node would warn about if it loaded it.
    const link = path.join(tmp, 'agent-meter-statusline');
    fs.symlinkSync(path.resolve('bin/agent-meter-statusline'), link);
    const input = JSON.stringify({ session_id: session.sessionId, transcript_path: transcript });
    const r = await new Promise<Run>((resolve) => {
      const child = spawn(link, [...dirArgs, '--state-dir', state(), '--chain', 'echo "chain:$NODE_EXTRA_CA_CERTS:${AGENT_METER_SAVED_EXTRA_CA_CERTS-none}"'], {
        env: { ...process.env, TZ: 'UTC', NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input);
    });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /extra certs/i, 'Node did not load NODE_EXTRA_CA_CERTS');
    assert.equal(r.stdout.split(' · ')[0], `$${session.costUsd.toFixed(2)} session`);
    assert.match(r.stdout, / │ chain:\/nonexistent\/ca\.pem:none\n$/);
    // The control: started directly, Node does load it (and warns about the bad path).
    const direct = await run(['statusline', ...dirArgs, '--state-dir', state()], input, { NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' });
    assert.match(direct.stderr, /extra certs/i);
  });

  it('chains the previous statusLine command with the same stdin', async () => {
    const r = await run(['statusline', ...dirArgs, '--state-dir', state(), '--chain', 'node -e "let s=\'\';process.stdin.on(\'data\',d=>s+=d).on(\'end\',()=>console.log(\'prev:\'+JSON.parse(s).session_id))"'], JSON.stringify({ session_id: 'abc' }));
    assert.match(r.stdout, / │ prev:abc\n$/);
  });

  it('ten at once all answer, none waits for another', async () => {
    const input = JSON.stringify({ session_id: session.sessionId, transcript_path: transcript });
    const fresh = path.join(tmp, 'status-burst');
    const results = await Promise.all(Array.from({ length: 10 }, () => run(['statusline', ...dirArgs, '--state-dir', fresh], input)));
    for (const r of results) {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.split('\n').length, 2, r.stdout);
      assert.match(r.stdout, /session · /);
    }
    // At least the one that caught up knew the session's cost.
    assert.ok(results.some((r) => r.stdout.startsWith(`$${session.costUsd.toFixed(2)} session`)));
  });
});
