// Runs the real, unmodified Codex CLI (`node_modules/.bin/codex exec …`) against the fake Responses API.
//
// Everything the CLI could read or write is confined to one temp directory: CODEX_HOME (config + sessions), HOME,
// and a git repository on a named branch that serves as the working directory, so the rollout's `cwd` and
// `git.branch` are known to the test. The environment is built from scratch so a developer's real API keys,
// proxies or ~/.codex never leak into a run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Repository root, found from this file's location (test/e2e/codex/). */
export const repoRoot = resolve(__dirname, '..', '..', '..');
const codexBin = join(repoRoot, 'node_modules', '.bin', 'codex');

/** A real run can take a few seconds (retries with back-off); anything past this is a hang. */
const RUN_TIMEOUT_MS = 60_000;
/** The provider reads its key from this variable; the fake server accepts any value. */
const API_KEY_ENV = 'AGENT_METER_FAKE_OPENAI_KEY';

export interface CodexWorkspace {
  /** The temp directory holding everything below; removed by `dispose()`. */
  root: string;
  codexHome: string;
  home: string;
  /** The git repository the CLI runs in (the session's `cwd`), with symlinks resolved as the CLI reports it. */
  repo: string;
  branch: string;
  dispose(): void;
}

export interface WorkspaceOptions {
  /** `http://127.0.0.1:PORT/v1` of the fake server. */
  baseUrl: string;
  branch: string;
  model?: string;
  /** HTTP-level retries per stream attempt (500/503 are retried silently at this level). */
  requestMaxRetries?: number;
  /** Stream-level reconnects per turn (a 429 escalates to this level and shows on stdout as "Reconnecting…"). */
  streamMaxRetries?: number;
}

export function createCodexWorkspace(options: WorkspaceOptions): CodexWorkspace {
  // realpath: on some systems tmpdir() is a symlink and the CLI records the resolved path.
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'agent-meter-codex-')));
  const codexHome = join(root, 'codex');
  const home = join(root, 'home');
  const repo = join(root, 'repo');
  for (const dir of [codexHome, home, repo]) mkdirSync(dir, { recursive: true });

  writeFileSync(join(codexHome, 'config.toml'), codexConfig(options));
  initGitRepo(repo, options.branch);

  return {
    root,
    codexHome,
    home,
    repo,
    branch: options.branch,
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

function codexConfig(options: WorkspaceOptions): string {
  return [
    `model = ${JSON.stringify(options.model ?? 'gpt-5-codex')}`,
    'model_provider = "fake"',
    'approval_policy = "never"',
    'sandbox_mode = "danger-full-access"',
    '',
    '[model_providers.fake]',
    'name = "Fake OpenAI"',
    `base_url = ${JSON.stringify(options.baseUrl)}`,
    `env_key = ${JSON.stringify(API_KEY_ENV)}`,
    'wire_api = "responses"',
    `request_max_retries = ${options.requestMaxRetries ?? 3}`,
    `stream_max_retries = ${options.streamMaxRetries ?? 2}`,
    // Keeps a stalled stream from reaching the run's hard timeout.
    'stream_idle_timeout_ms = 20000',
    '',
  ].join('\n');
}

function initGitRepo(repo: string, branch: string): void {
  const git = (...args: string[]): void => {
    const result = spawnSync('git', args, { cwd: repo, encoding: 'utf8', timeout: 10_000, env: gitEnv() });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  };
  git('init', '--quiet', '--initial-branch', branch);
  writeFileSync(join(repo, 'README.md'), '# scratch repo for Agent Meter e2e tests\n');
  writeFileSync(join(repo, 'notes.txt'), 'alpha\nbeta\ngamma\n');
  git('add', '.');
  git('-c', 'user.name=Agent Meter', '-c', 'user.email=e2e@agent-meter.invalid', 'commit', '--quiet', '-m', 'init');
}

function gitEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: '1', LANG: 'C' };
}

export interface CodexRun {
  args: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** `--json` events parsed from stdout (lines that are not JSON are skipped). */
  events: Record<string, unknown>[];
  durationMs: number;
}

/** Runs `codex exec <args…>` in the workspace; never rejects, never outlives RUN_TIMEOUT_MS. */
export function runCodex(workspace: CodexWorkspace, args: string[], timeoutMs = RUN_TIMEOUT_MS): Promise<CodexRun> {
  const fullArgs = ['exec', ...args];
  const started = Date.now();
  return new Promise((resolveRun) => {
    const child = spawn(codexBin, fullArgs, {
      cwd: workspace.repo,
      env: codexEnv(workspace),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group, so a timeout kills the native binary behind the node launcher too.
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      resolveRun({
        args: fullArgs,
        exitCode,
        signal,
        timedOut,
        stdout,
        stderr,
        events: parseEvents(stdout),
        durationMs: Date.now() - started,
      });
    };
    child.on('error', (err) => {
      stderr += `\nspawn error: ${String(err)}`;
      finish(null, null);
    });
    child.on('close', finish);
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function codexEnv(workspace: CodexWorkspace): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: workspace.home,
    CODEX_HOME: workspace.codexHome,
    [API_KEY_ENV]: 'sk-fake-agent-meter-e2e',
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    NO_PROXY: '127.0.0.1,localhost',
    TERM: 'dumb',
  };
}

function parseEvents(stdout: string): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        events.push(value as Record<string, unknown>);
      }
    } catch {
      // Not an event line.
    }
  }
  return events;
}

/** Common flags: JSON events on stdout, no colour, and no interactive trust prompt. */
const baseFlags = ['--json', '--color', 'never', '--skip-git-repo-check'];
/** `resume` and `fork` accept the same flags as `exec` except `--color`. */
const resumeFlags = ['--json', '--skip-git-repo-check'];

export function codexExec(workspace: CodexWorkspace, prompt: string, extra: string[] = []): Promise<CodexRun> {
  return runCodex(workspace, [...baseFlags, ...extra, prompt]);
}

/** `codex exec resume --last "<prompt>"`; `extra` goes after `resume` (e.g. `-c model="gpt-5-mini"`). */
export function codexResumeLast(workspace: CodexWorkspace, prompt: string, extra: string[] = []): Promise<CodexRun> {
  return runCodex(workspace, ['resume', '--last', ...resumeFlags, ...extra, prompt]);
}

/** `codex exec fork <sessionId> "<prompt>"`: a new thread whose history is the parent's. */
export function codexFork(workspace: CodexWorkspace, sessionId: string, prompt: string, extra: string[] = []): Promise<CodexRun> {
  return runCodex(workspace, ['fork', ...resumeFlags, ...extra, sessionId, prompt]);
}


/** The thread id the CLI announced on stdout (`thread.started`), if any. */
export function threadIdOf(run: CodexRun): string | undefined {
  for (const event of run.events) {
    if (event.type === 'thread.started' && typeof event.thread_id === 'string') return event.thread_id;
  }
  return undefined;
}

/** Every rollout file under CODEX_HOME/sessions, sorted by path (which sorts by start time). */
export function rolloutFiles(codexHome: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.startsWith('rollout-') && name.endsWith('.jsonl')) found.push(path);
    }
  };
  walk(join(codexHome, 'sessions'));
  return found.sort();
}

/** One-line summary of a run for assertion messages. */
export function describeRun(run: CodexRun): string {
  const tail = (text: string): string => text.slice(-2000);
  return [
    `codex ${run.args.join(' ')} → exit ${String(run.exitCode)} signal ${String(run.signal)}${run.timedOut ? ' (TIMED OUT)' : ''} in ${run.durationMs} ms`,
    `stdout: ${tail(run.stdout)}`,
    `stderr: ${tail(run.stderr)}`,
  ].join('\n');
}
