// dist/guard.js: the Claude Code hook behind the budget guard (DESIGN §6), run by Claude Code through its shell on
// every prompt (UserPromptSubmit) and every subagent call (PreToolUse, matcher Agent|Task):
//   <node> dist/guard.js --agent-meter-guard --state-dir DIR   < hook JSON on stdin
// It reads the hook's JSON (at most 1 MB, at most 2 s), reads <DIR>/budget-state.json and exits as
// core/guardDecision.ts decides: 2 with a reason on stderr to block, 0 to allow. It runs before every prompt, so it
// loads nothing but Node's own modules and the decision (no zod: esbuild drops the schema), and anything that goes
// wrong lets the agent through (exit 0).
import * as fs from 'node:fs';
import { guardDecision, readHookInput } from '../core/guardDecision';
import { budgetStatePath } from '../node/budgetStateFile';
import { defaultStateDir } from '../node/stateDir';

const MAX_INPUT_BYTES = 1024 * 1024;
const INPUT_TIMEOUT_MS = 2_000;
/** A budget state is a few hundred bytes; anything far larger is not one. */
const MAX_STATE_BYTES = 64 * 1024;

function stateDirFrom(argv: string[]): string {
  const i = argv.indexOf('--state-dir');
  const dir = i >= 0 ? argv[i + 1] : undefined;
  return dir || defaultStateDir();
}

/** Stdin up to the byte or time limit; `complete` is false when a limit cut it off. */
function readInput(): Promise<{ text: string; complete: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (complete: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      process.stdin.removeAllListeners('data');
      process.stdin.destroy();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), complete });
    };
    const timer = setTimeout(() => finish(false), INPUT_TIMEOUT_MS);
    process.stdin.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_INPUT_BYTES) finish(false);
    });
    process.stdin.once('end', () => finish(true));
    process.stdin.once('error', () => finish(false));
  });
}

function readState(file: string): string | undefined {
  try {
    if (fs.statSync(file).size > MAX_STATE_BYTES) return undefined;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function main(): Promise<0 | 2> {
  const input = await readInput();
  const stateText = readState(budgetStatePath(stateDirFrom(process.argv.slice(2))));
  const decision = guardDecision(stateText, readHookInput(input.text, input.complete), new Date());
  if (decision.stdout) process.stdout.write(decision.stdout);
  if (decision.stderr) process.stderr.write(decision.stderr);
  return decision.exitCode;
}

// Fail open: an exception anywhere allows.
process.on('uncaughtException', () => process.exit(0));
main().then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 0;
  },
);
