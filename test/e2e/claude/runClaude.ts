// Runs the real Claude Code CLI (the npm package's native binary) in `-p` mode against a fake API.
//
// Each scenario gets its own sandbox: a config dir (where the JSONL logs land), a HOME (so nothing leaks from or
// into the real user's ~/.claude) and a project dir that is a git repo on a named branch, because the logs record
// `cwd` and `gitBranch` and the report must give them back.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..', '..');
export const claudeBin = join(repoRoot, 'node_modules', '.bin', 'claude');

export interface Sandbox {
  root: string;
  /** CLAUDE_CONFIG_DIR: the logs go to `<configDir>/projects/<encoded cwd>/`. */
  configDir: string;
  home: string;
  /** The CLI's cwd; a git repo on `branch`. */
  projectDir: string;
  branch: string;
}

export interface SandboxOptions {
  /** Parent directory; a fresh temp dir when omitted. Fixture recording passes a fixed one for stable paths. */
  root?: string;
  branch?: string;
  /** Name of the project directory; `_` and `.` exercise the lossy cwd encoding. */
  projectName?: string;
}

const gitIdentity = ['-c', 'user.name=Agent Meter Test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false'];

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const root = options.root ?? mkdtempSync(join(tmpdir(), 'agent-meter-e2e-'));
  mkdirSync(root, { recursive: true });
  const realRoot = realpathSync(root);
  const branch = options.branch ?? 'feature/cost-test';
  const configDir = join(realRoot, 'claude');
  const home = join(realRoot, 'home');
  const projectDir = join(realRoot, 'work', options.projectName ?? 'demo_app.v2');
  for (const dir of [configDir, home, projectDir]) mkdirSync(dir, { recursive: true });
  writeFileSync(join(projectDir, 'README.md'), '# demo app\n');
  const git = (...args: string[]) => execFileSync('git', [...gitIdentity, ...args], { cwd: projectDir, stdio: 'pipe', env: { ...process.env, HOME: home } });
  git('init', '-q', '-b', branch);
  git('add', 'README.md');
  git('commit', '-q', '-m', 'init');
  return { root: realRoot, configDir, home, projectDir, branch };
}

/** The subset of the CLI's `--output-format json` result the tests read. */
export interface ClaudeResult {
  type: string;
  subtype: string;
  is_error: boolean;
  session_id: string;
  total_cost_usd: number;
  num_turns: number;
  api_error_status?: number | null;
  result?: string;
  usage?: Record<string, unknown>;
  modelUsage?: Record<string, { inputTokens: number; outputTokens: number; cacheReadInputTokens: number; cacheCreationInputTokens: number; costUSD: number }>;
}

export interface ClaudeRun {
  args: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  result: ClaudeResult | undefined;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunOptions {
  sandbox: Sandbox;
  baseUrl: string;
  prompt: string;
  model?: string;
  sessionId?: string;
  resume?: string;
  fork?: boolean;
  maxRetries?: number;
  extraEnv?: Record<string, string>;
  timeoutMs?: number;
}

/** Builds the argument list for one `claude -p` run; exported so a test can print what it ran. */
export function claudeArgs(o: Pick<RunOptions, 'prompt' | 'model' | 'sessionId' | 'resume' | 'fork'>): string[] {
  const args = ['-p', o.prompt, '--output-format', 'json', '--allowedTools', 'Bash Read'];
  if (o.model) args.push('--model', o.model);
  if (o.sessionId) args.push('--session-id', o.sessionId);
  if (o.resume) args.push('--resume', o.resume);
  if (o.fork) args.push('--fork-session');
  return args;
}

function claudeEnv(o: RunOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    // Only what the CLI needs: a developer's own ANTHROPIC_* or CLAUDE_* variables must not leak in.
    PATH: process.env.PATH,
    TERM: 'dumb',
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    HOME: o.sandbox.home,
    CLAUDE_CONFIG_DIR: o.sandbox.configDir,
    ANTHROPIC_BASE_URL: o.baseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-test',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    ...o.extraEnv,
  };
  if (o.maxRetries !== undefined) env.CLAUDE_CODE_MAX_RETRIES = String(o.maxRetries);
  return env;
}

/** Runs the CLI once; never rejects and never outlives `timeoutMs` (the process group is killed). */
export function runClaude(o: RunOptions): Promise<ClaudeRun> {
  const args = claudeArgs(o);
  const timeoutMs = o.timeoutMs ?? 60_000;
  const started = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn(claudeBin, args, {
      cwd: o.sandbox.projectDir,
      env: claudeEnv(o),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group, so a timeout also takes down the Bash tool's shells.
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      resolvePromise({ args, exitCode, signal, timedOut, result: parseResult(stdout), stdout, stderr, durationMs: Date.now() - started });
    };
    child.once('error', (err) => {
      stderr += String(err);
      finish(null, null);
    });
    child.once('close', finish);
  });
}

/** The JSON result is the last line of stdout that parses as an object with a `type`. */
function parseResult(stdout: string): ClaudeResult | undefined {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    try {
      const value = JSON.parse(line) as unknown;
      if (value && typeof value === 'object' && 'type' in value) return value as ClaudeResult;
    } catch {
      // Not JSON: keep looking.
    }
  }
  return undefined;
}
