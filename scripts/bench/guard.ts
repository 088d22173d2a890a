// What the budget guard adds to every Claude Code prompt: the wall time of `node dist/guard.js` with a stop state and
// a UserPromptSubmit input (the slowest path: it reads the state and blocks), next to a bare `node -e ''` (Node's own
// start, which no hook written for Node can avoid). Runs alternate between the two so drift hits both alike.
// A script, not a test: figures go to the README.
//
//   npm run build && node --import tsx scripts/bench/guard.ts [--runs 20]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeBudgetState } from '../../src/node/budgetStateFile';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);
const guard = path.resolve('dist/guard.js');
if (!fs.existsSync(guard)) {
  console.error('guard: dist/guard.js is missing; run npm run build');
  process.exit(2);
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-bench-guard-'));
const input = JSON.stringify({ session_id: 's', transcript_path: '/t.jsonl', cwd: '/w', permission_mode: 'default', hook_event_name: 'UserPromptSubmit', prompt: 'Fix the failing test.' });

function time(args: string[]): { ms: number; status: number | null; stderr: string } {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { input, encoding: 'utf8', timeout: 10_000 });
  return { ms: performance.now() - started, status: r.status, stderr: r.stderr };
}

try {
  writeBudgetState(stateDir, { state: 'stop', reason: 'Agent Meter: monthly budget reached ($103.20 of $100.00).' });
  const hook: number[] = [];
  const bare: number[] = [];
  time([guard, '--agent-meter-guard', '--state-dir', stateDir]); // warm the file cache
  for (let i = 0; i < runs; i++) {
    const h = time([guard, '--agent-meter-guard', '--state-dir', stateDir]);
    if (h.status !== 2 || !h.stderr.startsWith('Agent Meter: monthly budget reached')) throw new Error(`the hook did not block: ${h.status} ${h.stderr}`);
    hook.push(h.ms);
    bare.push(time(['-e', '']).ms);
  }
  const fmt = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(1)} ms, p95 ${percentile(xs, 95).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms`;
  console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ${runs} runs each, dist/guard.js ${fs.statSync(guard).size} bytes`);
  console.log(`guard (stop, UserPromptSubmit): ${fmt(hook)}`);
  console.log(`node -e '' (Node's own start): ${fmt(bare)}`);
} finally {
  fs.rmSync(stateDir, { recursive: true, force: true });
}
