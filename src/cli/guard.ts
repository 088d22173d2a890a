// `agent-meter guard install|remove`: puts the budget guard's hooks into a Claude Code settings.json, or takes them
// out (src/node/guardInstall.ts does the work). Exit 0 when done (or nothing to do), 2 when the file was left alone
// (not valid JSON, not mergeable, no such config dir) or the flags are wrong, 1 when writing failed.
import { parseArgs } from 'node:util';
import { bundledGuardScript, currentRuntime, defaultClaudeConfigDir, describeGuardResult, installGuard, removeGuard } from '../node/guardInstall';
import { defaultStateDir } from '../node/stateDir';
import { UsageError } from './options';

export const GUARD_HELP = `guard install | guard remove:
  Claude Code hooks that read the budget state the extension writes (<state dir>/budget-state.json):
  stop blocks new prompts and subagents, throttle blocks new subagents; a missing or stale state allows.
  --claude-dir DIR       the Claude Code config dir (default: first of $CLAUDE_CONFIG_DIR, else ~/.claude)
  --state-dir DIR        the state dir the hook reads (install only; default: $AGENT_METER_HOME or ~/.agent-meter)
  --json                 print the result as JSON`;

export function guardCommandLine(argv: string[], help: () => string): number {
  const [action, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      'claude-dir': { type: 'string' },
      'state-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help || action === '--help' || action === '-h') {
    process.stdout.write(help());
    return 0;
  }
  if (action !== 'install' && action !== 'remove') throw new UsageError(`guard${action ? ` ${action}` : ''}: expected "guard install" or "guard remove"`);
  if (action === 'remove' && values['state-dir'] !== undefined) throw new UsageError('--state-dir is for guard install (remove finds our hooks by their marker)');
  const configDir = values['claude-dir'] ?? defaultClaudeConfigDir();
  let result;
  if (action === 'install') {
    const guardScript = bundledGuardScript(__dirname);
    if (!guardScript) {
      process.stderr.write('agent-meter: dist/guard.js is missing beside the CLI (run npm run build)\n');
      return 1;
    }
    result = installGuard({ configDir, guardScript, stateDir: values['state-dir'] ?? defaultStateDir(), ...currentRuntime() });
  } else {
    result = removeGuard({ configDir });
  }
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (!result.ok) {
    if (!values.json) process.stderr.write(`agent-meter: ${describeGuardResult(result)}\n`);
    return result.problem === 'io' ? 1 : 2;
  }
  if (!values.json) process.stdout.write(`${describeGuardResult(result)}\n`);
  return 0;
}
