// The benchmark: Agent Meter's CLI and ccusage side by side on one synthetic Claude Code history (corpus.ts), in
// one run, on one machine. Prints a markdown table, writes bench-out/results.json, checks that both tools agree on
// the totals (and with the generator's own count), and grades the performance targets.
//
//   node --import tsx scripts/bench/run.ts [--seed N] [--mb N] [--files N] [--keep] [--fresh] [--strict]
//
// Exit codes: 0 ok; 1 totals disagree (or, with --strict, a target failed); 2 setup problem (no dist/cli.js, ...).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CORPUS_FORMAT, dirBytes, generateCorpus, renderTurn, type CorpusManifest, type TokenTotals } from './corpus';

const ROOT = path.resolve(__dirname, '..', '..');
/** The CLI under test; `--cli` points the benchmark at another build. */
let CLI = path.join(ROOT, 'dist', 'cli.js');
/**
 * ccusage is not a devDependency: the registry here carries only its linux-x64 binary package, so its other
 * platforms' optional packages cannot be locked and `npm ci` would refuse the lock file. The benchmark installs the
 * pinned version into its own tool folder on first use instead.
 */
const CCUSAGE_VERSION = '20.0.24';
const CCUSAGE_DIR = path.join(ROOT, '.bench-tools');
const CCUSAGE = path.join(CCUSAGE_DIR, 'node_modules', '.bin', 'ccusage');

/** Installs ccusage into .bench-tools/ unless it is there; false when that fails (the columns then read n/a). */
function ensureCcusage(): boolean {
  if (fs.existsSync(CCUSAGE)) return true;
  log(`installing ccusage@${CCUSAGE_VERSION} into ${path.relative(ROOT, CCUSAGE_DIR)}/`);
  fs.mkdirSync(CCUSAGE_DIR, { recursive: true });
  const r = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', CCUSAGE_DIR, `ccusage@${CCUSAGE_VERSION}`], { stdio: 'inherit' });
  return r.status === 0 && fs.existsSync(CCUSAGE);
}
const GNU_TIME = '/usr/bin/time';

/** The goals this engine is built against (issue 3). */
/** Cold runs of each tool (in turns, see below). */
const COLD_RUNS = 5;

const TARGETS = {
  coldSpeedup: 1.5,
  warmNothingNewMs: 200,
  statuslineP95Ms: 100,
  appendToUpdateP95Ms: 250,
  peakRssMb: 150,
};

class SetupError extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// Running and timing commands.

interface RunResult {
  wallMs: number;
  code: number | null;
  stdout: string;
  stderr: string;
  /** Peak RSS in KB: the CLI's own stats line when present (includes worker threads), else /usr/bin/time. */
  maxRssKb: number | null;
  rssSource: 'agent-meter-stats' | 'time' | null;
}

const hasGnuTime = ((): boolean => {
  try {
    return spawnSync(GNU_TIME, ['-f', '%M', 'true'], { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
})();

let rssFileCounter = 0;

/** Runs a command to completion; wall time is measured from spawn to exit, as a user would see it. */
function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string; measureRss?: boolean; tmp: string; timeoutMs?: number }): Promise<RunResult> {
  const rssFile = opts.measureRss && hasGnuTime ? path.join(opts.tmp, `rss-${process.pid}-${rssFileCounter++}.txt`) : null;
  const [file, argv] = rssFile ? [GNU_TIME, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      if (timer) clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      let maxRssKb: number | null = null;
      let rssSource: RunResult['rssSource'] = null;
      const stats = parseStatsLine(stderr);
      if (stats?.maxRssKb !== undefined) {
        maxRssKb = stats.maxRssKb;
        rssSource = 'agent-meter-stats';
      } else if (rssFile) {
        const kb = Number.parseInt(safeRead(rssFile).trim().split('\n').pop() ?? '', 10);
        if (Number.isFinite(kb)) {
          maxRssKb = kb;
          rssSource = 'time';
        }
      }
      if (rssFile) fs.rmSync(rssFile, { force: true });
      resolve({ wallMs, code, stdout: Buffer.concat(out).toString('utf8'), stderr, maxRssKb, rssSource });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

/** `agent-meter-stats {"maxRssKb":N,"elapsedMs":N}` on stderr when AGENT_METER_STATS=1. */
function parseStatsLine(stderr: string): { maxRssKb?: number; elapsedMs?: number } | null {
  const m = /^agent-meter-stats (\{.*\})\s*$/m.exec(stderr);
  if (!m?.[1]) return null;
  try {
    const v = JSON.parse(m[1]) as { maxRssKb?: unknown; elapsedMs?: unknown };
    return {
      ...(typeof v.maxRssKb === 'number' ? { maxRssKb: v.maxRssKb } : {}),
      ...(typeof v.elapsedMs === 'number' ? { elapsedMs: v.elapsedMs } : {}),
    };
  } catch {
    return null;
  }
}

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function mustSucceed(label: string, r: RunResult): RunResult {
  if (r.code !== 0) {
    throw new Error(`${label} exited with ${r.code}\n--- stderr ---\n${r.stderr.slice(-4000)}\n--- stdout ---\n${r.stdout.slice(0, 2000)}`);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------------------
// Statistics.

interface Series {
  runs: number;
  minMs: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  samplesMs: number[];
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  // Nearest-rank: with few samples p95 is the worst but one (20 runs) or the worst (≤ 19).
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

function series(samples: number[]): Series {
  const s = [...samples].sort((a, b) => a - b);
  return {
    runs: s.length,
    minMs: s[0] ?? Number.NaN,
    medianMs: s.length % 2 ? s[(s.length - 1) / 2]! : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2,
    p95Ms: quantile(s, 0.95),
    maxMs: s[s.length - 1] ?? Number.NaN,
    samplesMs: samples.map((x) => Math.round(x * 10) / 10),
  };
}

const maxOf = (xs: (number | null)[]): number | null => xs.reduce<number | null>((m, x) => (x === null ? m : m === null ? x : Math.max(m, x)), null);

// ---------------------------------------------------------------------------------------------------------------
// What the CLI under test can do (it is being written while this benchmark is).

interface Features {
  report: boolean;
  stateDir: boolean;
  noState: boolean;
  watch: boolean;
  statusline: boolean;
}

function detectFeatures(): Features {
  const help = (args: string[]): string => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
    return `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  };
  const top = help(['--help']);
  const report = help(['report', '--help']);
  const all = `${top}\n${report}`;
  return {
    report: /\breport\b/.test(top),
    stateDir: all.includes('--state-dir'),
    noState: all.includes('--no-state'),
    watch: /^\s*agent-meter watch\b/m.test(top) || /^\s+watch\b/m.test(top),
    statusline: /^\s*agent-meter statusline\b/m.test(top) || /^\s+statusline\b/m.test(top),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Report JSON shapes (both tools) and the agreement check.

interface Totals {
  input: number;
  output: number;
  cacheRead: number;
  /** 5m + 1h cache writes (ccusage does not split them). */
  cacheWrite: number;
  costUsd: number;
  requests?: number;
}

function oursTotals(stdout: string): Totals {
  const j = JSON.parse(stdout) as { totals: { costUsd: number; requests: number; tokens: TokenTotals } };
  const t = j.totals;
  return {
    input: t.tokens.input,
    output: t.tokens.output,
    cacheRead: t.tokens.cacheRead,
    cacheWrite: t.tokens.cacheWrite5m + t.tokens.cacheWrite1h,
    costUsd: t.costUsd,
    requests: t.requests,
  };
}

function ccusageTotals(stdout: string): Totals {
  const j = JSON.parse(stdout) as { totals: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheCreationTokens: number; totalCost: number } };
  const t = j.totals;
  return { input: t.inputTokens, output: t.outputTokens, cacheRead: t.cacheReadTokens, cacheWrite: t.cacheCreationTokens, costUsd: t.totalCost };
}

function expectedTotals(m: CorpusManifest): Totals {
  const t = m.expected.tokens;
  return { input: t.input, output: t.output, cacheRead: t.cacheRead, cacheWrite: t.cacheWrite5m + t.cacheWrite1h, costUsd: m.expected.costUsd, requests: m.expected.requests };
}

interface Agreement {
  pass: boolean;
  problems: string[];
}

function compareTotals(a: Totals, aName: string, b: Totals, bName: string): Agreement {
  const problems: string[] = [];
  for (const k of ['input', 'output', 'cacheRead', 'cacheWrite'] as const) {
    if (a[k] !== b[k]) problems.push(`${k}: ${aName} ${a[k]} vs ${bName} ${b[k]} (diff ${a[k] - b[k]})`);
  }
  const rel = Math.abs(a.costUsd - b.costUsd) / Math.max(Math.abs(b.costUsd), 1e-12);
  if (rel > 0.001) problems.push(`costUsd: ${aName} ${a.costUsd} vs ${bName} ${b.costUsd} (${(rel * 100).toFixed(3)}%)`);
  if (a.requests !== undefined && b.requests !== undefined && a.requests !== b.requests) problems.push(`requests: ${aName} ${a.requests} vs ${bName} ${b.requests}`);
  return { pass: problems.length === 0, problems };
}

/** The request count in a watch/report JSON line: `totals.requests` preferred, then a top-level `requests`. */
function requestsIn(obj: unknown): number | undefined {
  if (typeof obj !== 'object' || obj === null) return undefined;
  const o = obj as Record<string, unknown>;
  const totals = o['totals'];
  if (typeof totals === 'object' && totals !== null && typeof (totals as Record<string, unknown>)['requests'] === 'number') {
    return (totals as Record<string, number>)['requests'];
  }
  if (typeof o['requests'] === 'number') return o['requests'];
  for (const v of Object.values(o)) {
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Record<string, unknown>)['requests'] === 'number') {
      return (v as Record<string, number>)['requests'];
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The corpus (cached between runs: generating 500 MB is the slowest part of a cold benchmark).

interface CorpusInfo {
  dir: string;
  manifest: CorpusManifest;
  reused: boolean;
  generateMs: number | null;
}

function prepareCorpus(seed: number, mb: number, files: number, fresh: boolean): CorpusInfo {
  const dir = path.join(os.tmpdir(), `agent-meter-bench-s${seed}-mb${mb}-f${files}`);
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fresh && fs.existsSync(manifestFile)) {
    try {
      const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as CorpusManifest;
      // A crashed run may have left appended turns behind: reuse only a byte-identical corpus.
      if (manifest.format === CORPUS_FORMAT && dirBytes(path.join(dir, 'projects'), '.jsonl') === manifest.bytes) {
        return { dir, manifest, reused: true, generateMs: null };
      }
      log(`cached corpus ${dir} does not match its manifest; regenerating`);
    } catch {
      log(`cached corpus ${dir} is unreadable; regenerating`);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  log(`generating corpus: seed ${seed}, ${mb} MB, ${files} files -> ${dir}`);
  const t0 = performance.now();
  const manifest = generateCorpus({ seed, mb, files, out: dir });
  return { dir, manifest, reused: false, generateMs: performance.now() - t0 };
}

/** Reads every corpus file once so both tools start with the same (warm) page cache. */
function warmPageCache(dir: string): number {
  const t0 = performance.now();
  const buf = Buffer.alloc(4 << 20);
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const fd = fs.openSync(path.join(e.parentPath, e.name), 'r');
    try {
      while (fs.readSync(fd, buf, 0, buf.length, null) > 0) {
        // read to the end
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  return performance.now() - t0;
}

/** A main-session file of median size: the session the append, statusline and watch benchmarks write to. */
function pickSessionFile(projectsDir: string): { file: string; sessionId: string; cwd: string } {
  const mains: { file: string; size: number }[] = [];
  for (const project of fs.readdirSync(projectsDir, { withFileTypes: true })) {
    if (!project.isDirectory()) continue;
    const dir = path.join(projectsDir, project.name);
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isFile() && e.name.endsWith('.jsonl')) mains.push({ file: path.join(dir, e.name), size: fs.statSync(path.join(dir, e.name)).size });
    }
  }
  mains.sort((a, b) => a.size - b.size || (a.file < b.file ? -1 : 1));
  const chosen = mains[Math.floor(mains.length / 2)];
  if (!chosen) throw new SetupError(`no session files under ${projectsDir}`);
  const head = fs.readFileSync(chosen.file, 'utf8').split('\n', 50);
  let cwd = '/home/dev/work';
  for (const l of head) {
    const m = /"cwd":"([^"]+)"/.exec(l);
    if (m?.[1]) {
      cwd = m[1];
      break;
    }
  }
  return { file: chosen.file, sessionId: path.basename(chosen.file, '.jsonl'), cwd };
}

/** Remembers original sizes so the cached corpus is restored after the append benchmarks. */
class AppendLog {
  private readonly sizes = new Map<string, number>();
  note(file: string): void {
    if (!this.sizes.has(file)) this.sizes.set(file, fs.statSync(file).size);
  }
  restore(): void {
    for (const [file, size] of this.sizes) {
      try {
        fs.truncateSync(file, size);
      } catch (err) {
        log(`could not restore ${file}: ${String(err)}`);
      }
    }
    this.sizes.clear();
  }
}

/** The JSON Claude Code pipes to a statusLine command (code.claude.com/docs/en/statusline). */
function statuslinePayload(session: { file: string; sessionId: string; cwd: string }): string {
  return JSON.stringify({
    hook_event_name: 'Status',
    session_id: session.sessionId,
    transcript_path: session.file,
    cwd: session.cwd,
    model: { id: 'claude-sonnet-4-5-20250929', display_name: 'Sonnet 4.5' },
    workspace: { current_dir: session.cwd, project_dir: session.cwd },
    version: '2.1.197',
    output_style: { name: 'default' },
    cost: { total_cost_usd: 1.2345, total_duration_ms: 1_234_567, total_api_duration_ms: 456_789, total_lines_added: 120, total_lines_removed: 30 },
    context_window: {
      total_input_tokens: 1_250_000,
      total_output_tokens: 48_000,
      context_window_size: 200_000,
      used_percentage: 41,
      remaining_percentage: 59,
      current_usage: { input_tokens: 12, output_tokens: 850, cache_creation_input_tokens: 2_400, cache_read_input_tokens: 79_500 },
    },
    exceeds_200k_tokens: false,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The watch benchmark: time from one append to the watcher's JSON line that reflects it.

interface WatchResult {
  readyMs: number;
  latency: Series | null;
  timeouts: number;
  /** 0-based indexes of the appends the watcher did not report within 10 s. */
  missedAppends?: number[];
  peakRssKb: number | null;
  note?: string;
}

async function benchWatch(
  args: string[],
  env: NodeJS.ProcessEnv,
  session: { file: string },
  appends: AppendLog,
  seedBase: number,
  children: Set<ChildProcess>,
): Promise<WatchResult> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let buffered = '';
  let stderr = '';
  const waiters: ((line: Record<string, unknown>) => void)[] = [];
  let exited = false;
  child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString('utf8')).slice(-8000)));
  child.stdout.on('data', (b: Buffer) => {
    const at = performance.now();
    buffered += b.toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const text = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (!text.startsWith('{')) continue;
      try {
        const obj = JSON.parse(text) as Record<string, unknown>;
        obj['__at'] = at;
        for (const w of waiters.splice(0)) w(obj);
      } catch {
        // not a JSON event line
      }
    }
  });
  child.on('exit', () => {
    exited = true;
    for (const w of waiters.splice(0)) w({ __exit: true });
  });

  /** Next JSON line satisfying `pred`, or null after `ms`. */
  const next = (pred: (o: Record<string, unknown>) => boolean, ms: number): Promise<Record<string, unknown> | null> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = waiters.indexOf(onLine);
        if (i >= 0) waiters.splice(i, 1);
        resolve(null);
      }, ms);
      function onLine(o: Record<string, unknown>): void {
        if (o['__exit'] || pred(o)) {
          clearTimeout(timer);
          resolve(o['__exit'] ? null : o);
        } else waiters.push(onLine);
      }
      waiters.push(onLine);
    });

  try {
    const t0 = performance.now();
    const ready = await next((o) => o['event'] === 'ready', 180_000);
    if (!ready) throw new Error(`watch never printed {"event":"ready"} (exited: ${exited})\n${stderr}`);
    const readyMs = performance.now() - t0;
    let known = requestsIn(ready);
    if (known === undefined) return { readyMs, latency: null, timeouts: 0, peakRssKb: null, note: 'ready line carries no requests count' };
    const samples: number[] = [];
    const missed: number[] = [];
    let timeouts = 0;
    appends.note(session.file);
    for (let i = 0; i < 30; i++) {
      // One write of a complete prompt + assistant line with a new message id (rendered before the clock starts).
      const { text, result } = renderTurn(session.file, { seed: seedBase + i, bytes: 2_000 });
      const expectAtLeast: number = known + result.requests;
      const buf = Buffer.from(text, 'utf8');
      const waiting = next((o) => (requestsIn(o) ?? -1) >= expectAtLeast, 10_000);
      const start = performance.now();
      const fd = fs.openSync(session.file, 'a');
      fs.writeSync(fd, buf);
      fs.closeSync(fd);
      const line = await waiting;
      if (!line) {
        timeouts++;
        missed.push(i);
        if (exited) throw new Error(`watch exited during the append benchmark\n${stderr}`);
      } else {
        samples.push((line['__at'] as number) - start);
        known = requestsIn(line) ?? expectAtLeast;
      }
      await sleep(150); // let the watcher settle so appends are measured one at a time
    }
    const peakRssKb = procPeakRssKb(child.pid);
    return { readyMs, latency: samples.length ? series(samples) : null, timeouts, missedAppends: missed, peakRssKb };
  } finally {
    await stopChild(child);
    children.delete(child);
  }
}

/** VmHWM of a live process (Linux), which covers its worker threads; null elsewhere. */
function procPeakRssKb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  const m = /^VmHWM:\s+(\d+) kB/m.exec(safeRead(`/proc/${pid}/status`));
  return m?.[1] ? Number(m[1]) : null;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await gone;
  clearTimeout(timer);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// Output.

const fmtMs = (ms: number | null | undefined): string => (ms === null || ms === undefined || Number.isNaN(ms) ? 'n/a' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const fmtMb = (kb: number | null | undefined): string => (kb === null || kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`);
const passFail = (ok: boolean | null): string => (ok === null ? 'n/a' : ok ? 'PASS' : 'FAIL');

interface Row {
  label: string;
  runs: string;
  time: string;
  rss: string;
  note: string;
}

function table(rows: Row[]): string {
  const lines = ['| Measurement | Runs | Time | Peak RSS | Notes |', '|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.label} | ${r.runs} | ${r.time} | ${r.rss} | ${r.note} |`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      mb: { type: 'string', default: '500' },
      files: { type: 'string', default: '1500' },
      keep: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(ROOT, 'bench-out') },
      cli: { type: 'string' },
    },
    strict: true,
  });
  const seed = Number(values.seed);
  const mb = Number(values.mb);
  const files = Number(values.files);
  if (![seed, mb, files].every((n) => Number.isFinite(n) && n >= 0) || mb <= 0 || files <= 0) throw new SetupError('--seed, --mb and --files take positive numbers');
  if (values.cli) CLI = path.resolve(values.cli);
  if (!fs.existsSync(CLI)) throw new SetupError(`${path.relative(ROOT, CLI)} is missing: run \`npm run build\` first`);
  const haveCcusage = ensureCcusage();
  if (!haveCcusage) log(`ccusage could not be installed; the ccusage columns will read n/a`);

  // Another busy process on the machine skews every number below: say so in the results.
  const loadBefore = os.loadavg()[0] ?? 0;
  if (loadBefore > os.cpus().length * 0.25) log(`warning: load average ${loadBefore.toFixed(2)} before the run; timings may be noisy`);
  const features = detectFeatures();
  log(`CLI features: ${JSON.stringify(features)}`);
  if (!features.report) throw new SetupError('dist/cli.js has no report command');

  const corpus = prepareCorpus(seed, mb, files, values.fresh);
  const m = corpus.manifest;
  log(`corpus ${corpus.dir}: ${(m.bytes / 1e6).toFixed(1)} MB, ${m.jsonlFiles} files, ${m.lines} lines${corpus.reused ? ' (cached)' : ''}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-bench-run-'));
  const home = path.join(work, 'home');
  fs.mkdirSync(home);
  // Both tools see only the corpus: HOME points at an empty folder, the Claude dir at the corpus.
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, HOME: home, USERPROFILE: home, TZ: 'UTC', NO_COLOR: '1' };
  delete baseEnv['CLAUDE_CONFIG_DIR'];
  delete baseEnv['CODEX_HOME'];
  const oursEnv: NodeJS.ProcessEnv = { ...baseEnv, AGENT_METER_STATS: '1' };
  const appends = new AppendLog();
  const children = new Set<ChildProcess>();
  const cleanup = (): void => {
    for (const c of children) c.kill('SIGKILL');
    appends.restore();
  };
  process.once('SIGINT', () => {
    cleanup();
    if (!values.keep) fs.rmSync(work, { recursive: true, force: true });
    process.exit(130);
  });

  const rows: Row[] = [];
  const results: Record<string, unknown> = {};
  let totalsPass = true;
  const targetResults: { name: string; target: string; value: string; pass: boolean | null }[] = [];

  try {
    const warmMs = warmPageCache(path.join(corpus.dir, 'projects'));
    log(`page cache warmed in ${fmtMs(warmMs)}`);
    const stateDirs: string[] = [];
    const newStateDir = (): string => {
      const d = path.join(work, `state-${stateDirs.length}`);
      fs.mkdirSync(d);
      stateDirs.push(d);
      return d;
    };
    const reportArgs = (extra: string[]): string[] => [CLI, 'report', '--json', '--claude-dir', corpus.dir, ...extra];

    // a + b. ccusage (it keeps no state: every run is a full scan) and ours, cold into a fresh state dir (or today's
    // stateless report when --state-dir does not exist yet), run in turns: this machine's speed drifts by tens of
    // percent within minutes, and a block of one tool's runs after a block of the other's would measure the drift.
    let ccTotals: Totals | null = null;
    let cc: Series | null = null;
    let ccRss: number | null = null;
    const ccRuns: RunResult[] = [];
    const coldRuns: RunResult[] = [];
    let stateDir: string | null = null;
    for (let i = 0; i < COLD_RUNS; i++) {
      if (haveCcusage) {
        ccRuns.push(mustSucceed('ccusage', await run(CCUSAGE, ['claude', 'daily', '--json', '--offline'], { env: { ...baseEnv, CLAUDE_CONFIG_DIR: corpus.dir }, measureRss: true, tmp: work })));
        log(`ccusage run ${i + 1}: ${fmtMs(ccRuns[i]!.wallMs)}`);
      }
      const extra = features.stateDir ? ['--state-dir', (stateDir = newStateDir())] : [];
      coldRuns.push(mustSucceed('agent-meter report (cold)', await run(process.execPath, reportArgs(extra), { env: oursEnv, measureRss: true, tmp: work })));
      log(`ours cold run ${i + 1}: ${fmtMs(coldRuns[i]!.wallMs)}`);
    }
    if (haveCcusage) {
      cc = series(ccRuns.map((r) => r.wallMs));
      ccRss = maxOf(ccRuns.map((r) => r.maxRssKb));
      ccTotals = ccusageTotals(ccRuns[ccRuns.length - 1]!.stdout);
      rows.push({ label: 'ccusage 20.0.24 `claude daily --json --offline` (cold)', runs: String(COLD_RUNS), time: `min ${fmtMs(cc.minMs)} / median ${fmtMs(cc.medianMs)}`, rss: fmtMb(ccRss), note: 'baseline; stateless' });
    }
    results['ccusage'] = { cold: cc, peakRssKb: ccRss };

    const cold = series(coldRuns.map((r) => r.wallMs));
    const coldRss = maxOf(coldRuns.map((r) => r.maxRssKb));
    const ourTotals = oursTotals(coldRuns[coldRuns.length - 1]!.stdout);
    rows.push({
      label: features.stateDir ? 'agent-meter `report --json` cold (empty --state-dir)' : 'agent-meter `report --json` (no --state-dir in this build)',
      runs: String(COLD_RUNS),
      time: `min ${fmtMs(cold.minMs)} / median ${fmtMs(cold.medianMs)}`,
      rss: fmtMb(coldRss),
      note: `RSS from ${coldRuns[0]?.rssSource ?? 'n/a'}`,
    });
    results['oursCold'] = { ...cold, peakRssKb: coldRss, rssSource: coldRuns[0]?.rssSource ?? null };

    // c. ours, stateless.
    let stateless: Series | null = null;
    let statelessRss: number | null = null;
    if (features.noState) {
      const runs: RunResult[] = [];
      for (let i = 0; i < 3; i++) runs.push(mustSucceed('agent-meter report --no-state', await run(process.execPath, reportArgs(['--no-state']), { env: oursEnv, measureRss: true, tmp: work })));
      stateless = series(runs.map((r) => r.wallMs));
      statelessRss = maxOf(runs.map((r) => r.maxRssKb));
      const t = oursTotals(runs[0]!.stdout);
      const same = compareTotals(t, '--no-state', ourTotals, 'state');
      if (!same.pass) {
        totalsPass = false;
        log(`--no-state totals differ from the state-dir run: ${same.problems.join('; ')}`);
      }
      rows.push({ label: 'agent-meter `report --json --no-state`', runs: '3', time: `min ${fmtMs(stateless.minMs)} / median ${fmtMs(stateless.medianMs)}`, rss: fmtMb(statelessRss), note: same.pass ? 'same totals as the state run' : 'TOTALS DIFFER' });
    } else rows.push({ label: 'agent-meter `report --json --no-state`', runs: '0', time: 'n/a', rss: 'n/a', note: 'not in this build' });
    results['oursStateless'] = stateless ? { ...stateless, peakRssKb: statelessRss } : null;

    // h. totals agreement (before anything is appended): ours vs ccusage vs the generator's own count.
    const expected = expectedTotals(m);
    const vsExpected = compareTotals(ourTotals, 'agent-meter', expected, 'generator');
    const vsCcusage = ccTotals ? compareTotals(ourTotals, 'agent-meter', ccTotals, 'ccusage') : null;
    const ccVsExpected = ccTotals ? compareTotals(ccTotals, 'ccusage', { ...expected, requests: undefined } as Totals, 'generator') : null;
    totalsPass = totalsPass && vsExpected.pass && (vsCcusage?.pass ?? true);
    results['totals'] = { agentMeter: ourTotals, ccusage: ccTotals, generator: expected, agentMeterVsCcusage: vsCcusage, agentMeterVsGenerator: vsExpected, ccusageVsGenerator: ccVsExpected, pass: totalsPass };

    // d. warm restart, nothing new.
    let warm: Series | null = null;
    let warmRss: number | null = null;
    if (features.stateDir && stateDir) {
      const runs: RunResult[] = [];
      for (let i = 0; i < 5; i++) runs.push(mustSucceed('agent-meter report (warm)', await run(process.execPath, reportArgs(['--state-dir', stateDir]), { env: oursEnv, measureRss: true, tmp: work })));
      warm = series(runs.map((r) => r.wallMs));
      warmRss = maxOf(runs.map((r) => r.maxRssKb));
      const t = oursTotals(runs[runs.length - 1]!.stdout);
      const same = compareTotals(t, 'warm', ourTotals, 'cold');
      if (!same.pass) {
        totalsPass = false;
        log(`warm totals differ from cold: ${same.problems.join('; ')}`);
      }
      rows.push({ label: 'agent-meter warm restart, nothing new', runs: '5', time: `min ${fmtMs(warm.minMs)} / median ${fmtMs(warm.medianMs)} / p95 ${fmtMs(warm.p95Ms)}`, rss: fmtMb(warmRss), note: same.pass ? 'totals identical to cold' : 'TOTALS DIFFER' });
    } else rows.push({ label: 'agent-meter warm restart, nothing new', runs: '0', time: 'n/a', rss: 'n/a', note: 'needs --state-dir' });
    results['oursWarm'] = warm ? { ...warm, peakRssKb: warmRss } : null;

    const session = pickSessionFile(path.join(corpus.dir, 'projects'));
    results['appendTarget'] = path.relative(corpus.dir, session.file);

    // e. warm restart after ~1 MB appended to one session.
    let warmAppend: Series | null = null;
    let warmAppendRss: number | null = null;
    let requestsNow = ourTotals.requests ?? 0;
    if (features.stateDir && stateDir) {
      const runs: RunResult[] = [];
      let countOk = true;
      appends.note(session.file);
      for (let i = 0; i < 5; i++) {
        const { text, result } = renderTurn(session.file, { seed: seed * 1_000 + i, bytes: 1 << 20 });
        const buf = Buffer.from(text, 'utf8');
        const fd = fs.openSync(session.file, 'a');
        // A few writes, like a CLI flushing a turn in pieces.
        for (let k = 0; k < 4; k++) fs.writeSync(fd, buf, Math.floor((buf.length * k) / 4), Math.floor((buf.length * (k + 1)) / 4) - Math.floor((buf.length * k) / 4));
        fs.closeSync(fd);
        const r = mustSucceed('agent-meter report (after append)', await run(process.execPath, reportArgs(['--state-dir', stateDir]), { env: oursEnv, measureRss: true, tmp: work }));
        runs.push(r);
        const got = oursTotals(r.stdout).requests ?? -1;
        if (got !== requestsNow + result.requests) countOk = false;
        requestsNow = got;
      }
      warmAppend = series(runs.map((r) => r.wallMs));
      warmAppendRss = maxOf(runs.map((r) => r.maxRssKb));
      if (!countOk) totalsPass = false;
      rows.push({
        label: 'agent-meter warm restart after ~1 MB appended',
        runs: '5',
        time: `min ${fmtMs(warmAppend.minMs)} / median ${fmtMs(warmAppend.medianMs)} / p95 ${fmtMs(warmAppend.p95Ms)}`,
        rss: fmtMb(warmAppendRss),
        note: countOk ? 'new requests counted exactly' : 'REQUEST COUNT WRONG after append',
      });
      results['oursWarmAfterAppend'] = { ...warmAppend, peakRssKb: warmAppendRss, requestCountOk: countOk };
    } else rows.push({ label: 'agent-meter warm restart after ~1 MB appended', runs: '0', time: 'n/a', rss: 'n/a', note: 'needs --state-dir' });

    // f. statusline.
    let statusP95: number | null = null;
    if (features.statusline && stateDir) {
      const args = [CLI, 'statusline', '--claude-dir', corpus.dir, '--state-dir', stateDir];
      const payload = statuslinePayload(session);
      mustSucceed('agent-meter statusline (first)', await run(process.execPath, args, { env: oursEnv, stdin: payload, tmp: work }));
      const runs: RunResult[] = [];
      for (let i = 0; i < 20; i++) runs.push(mustSucceed('agent-meter statusline', await run(process.execPath, args, { env: oursEnv, stdin: payload, tmp: work })));
      const s = series(runs.map((r) => r.wallMs));
      statusP95 = s.p95Ms;
      const firstLine = (runs[0]?.stdout ?? '').split('\n')[0] ?? '';
      const t0 = performance.now();
      const burst = await Promise.all(Array.from({ length: 10 }, () => run(process.execPath, args, { env: oursEnv, stdin: payload, tmp: work, timeoutMs: 30_000 })));
      const burstWall = performance.now() - t0;
      const printed = burst.filter((r) => r.code === 0 && (r.stdout.split('\n')[0] ?? '').trim().length > 0).length;
      rows.push({ label: 'agent-meter `statusline` (warm, `node dist/cli.js statusline`)', runs: '20', time: `p50 ${fmtMs(s.medianMs)} / p95 ${fmtMs(s.p95Ms)}`, rss: fmtMb(maxOf(runs.map((r) => r.maxRssKb))), note: `prints: \`${firstLine.slice(0, 60).replace(/\|/g, '\\|')}\`` });
      rows.push({ label: 'agent-meter `statusline`, 10 concurrent', runs: '10', time: `${fmtMs(burstWall)} wall for all`, rss: fmtMb(maxOf(burst.map((r) => r.maxRssKb))), note: `${printed}/10 printed a line` });
      results['statusline'] = { warm: s, firstLine, concurrent: { wallMs: burstWall, printed, slowestMs: Math.max(...burst.map((r) => r.wallMs)) } };

      // The command the README tells users to configure: bin/agent-meter-statusline starts Node without
      // NODE_EXTRA_CA_CERTS (loaded at every Node start, ~50 ms here, never needed by the statusline).
      const launcher = path.join(ROOT, 'bin', 'agent-meter-statusline');
      if (fs.existsSync(launcher) && CLI === path.join(ROOT, 'dist', 'cli.js')) {
        const largs = ['--claude-dir', corpus.dir, '--state-dir', stateDir];
        const lruns: RunResult[] = [];
        for (let i = 0; i < 20; i++) lruns.push(mustSucceed('bin/agent-meter-statusline', await run(launcher, largs, { env: oursEnv, stdin: payload, tmp: work })));
        const ls = series(lruns.map((r) => r.wallMs));
        const same = (lruns[0]?.stdout ?? '').split('\n')[0] === firstLine;
        const extra = process.env['NODE_EXTRA_CA_CERTS'] ? 'NODE_EXTRA_CA_CERTS is set here; Node starts without it' : 'NODE_EXTRA_CA_CERTS is not set here';
        rows.push({ label: '`bin/agent-meter-statusline` (the recommended statusLine command)', runs: '20', time: `p50 ${fmtMs(ls.medianMs)} / p95 ${fmtMs(ls.p95Ms)}`, rss: fmtMb(maxOf(lruns.map((r) => r.maxRssKb))), note: `${extra}; ${same ? 'same line' : 'DIFFERENT line'}` });
        results['statuslineLauncher'] = { warm: ls, sameLine: same };
        statusP95 = same ? ls.p95Ms : Number.POSITIVE_INFINITY;
      }
      const baseline: number[] = [];
      for (let i = 0; i < 20; i++) baseline.push((await run(process.execPath, ['-e', '0'], { env: oursEnv, tmp: work })).wallMs);
      const b = series(baseline);
      rows.push({ label: '`node -e 0` (for scale: Node\'s own start)', runs: '20', time: `p50 ${fmtMs(b.medianMs)} / p95 ${fmtMs(b.p95Ms)}`, rss: 'n/a', note: process.env['NODE_EXTRA_CA_CERTS'] ? 'with this machine\'s NODE_EXTRA_CA_CERTS' : '' });
    } else rows.push({ label: 'agent-meter `statusline` (warm)', runs: '0', time: 'n/a', rss: 'n/a', note: 'not in this build' });

    // g. append -> watch update latency.
    let watchP95: number | null = null;
    let watchRss: number | null = null;
    let watchResult: WatchResult | null = null;
    if (features.watch && stateDir) {
      const w = await benchWatch(['watch', '--claude-dir', corpus.dir, '--state-dir', stateDir, '--json'], oursEnv, session, appends, seed * 1_000 + 500, children);
      watchResult = w;
      watchP95 = w.latency && w.timeouts === 0 ? w.latency.p95Ms : null;
      watchRss = w.peakRssKb;
      rows.push({
        label: 'agent-meter `watch`: append -> JSON update',
        runs: String((w.latency?.runs ?? 0) + w.timeouts),
        time: w.latency ? `p50 ${fmtMs(w.latency.medianMs)} / p95 ${fmtMs(w.latency.p95Ms)} / max ${fmtMs(w.latency.maxMs)}` : 'n/a',
        rss: fmtMb(w.peakRssKb),
        note: `ready after ${fmtMs(w.readyMs)}; ${w.timeouts === 0 ? 'every append reported' : `${w.timeouts} append(s) not reported within 10 s`}${w.note ? `; ${w.note}` : ''}`,
      });
      results['watch'] = w;
      if (w.timeouts > 0) watchP95 = Number.POSITIVE_INFINITY;
    } else rows.push({ label: 'agent-meter `watch`: append -> JSON update', runs: '0', time: 'n/a', rss: 'n/a', note: 'not in this build' });

    // i. targets.
    const speedup = cc ? cc.medianMs / cold.medianMs : null;
    const ourPeak = maxOf([coldRss, statelessRss, warmRss, warmAppendRss, watchRss]);
    targetResults.push({ name: 'cold full scan vs ccusage', target: `>= ${TARGETS.coldSpeedup}x faster`, value: speedup === null ? 'n/a' : `${speedup.toFixed(2)}x`, pass: speedup === null ? null : speedup >= TARGETS.coldSpeedup });
    targetResults.push({ name: 'warm restart, nothing new (median)', target: `<= ${TARGETS.warmNothingNewMs} ms`, value: fmtMs(warm?.medianMs), pass: warm ? warm.medianMs <= TARGETS.warmNothingNewMs : null });
    targetResults.push({ name: 'statusline warm (p95)', target: `<= ${TARGETS.statuslineP95Ms} ms`, value: fmtMs(statusP95), pass: statusP95 === null ? null : statusP95 <= TARGETS.statuslineP95Ms });
    // An append the watcher never reports (10 s timeout) fails the target whatever the other samples say.
    targetResults.push({
      name: 'append -> update (p95)',
      target: `<= ${TARGETS.appendToUpdateP95Ms} ms, none missed`,
      value: watchResult ? `${fmtMs(watchResult.latency?.p95Ms)}${watchResult.timeouts ? ` (${watchResult.timeouts}/30 never reported)` : ''}` : 'n/a',
      pass: watchP95 === null ? null : watchP95 <= TARGETS.appendToUpdateP95Ms,
    });
    targetResults.push({ name: 'our peak RSS (any command)', target: `<= ${TARGETS.peakRssMb} MB`, value: fmtMb(ourPeak), pass: ourPeak === null ? null : ourPeak / 1024 <= TARGETS.peakRssMb });
    results['targets'] = targetResults;
    results['speedup'] = speedup;

    // Output.
    const cpus = os.cpus();
    const machine = {
      cores: cpus.length,
      cpu: cpus[0]?.model.trim() ?? 'unknown',
      memGb: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      node: process.version,
      gnuTime: hasGnuTime,
      loadAverageBefore: Math.round(loadBefore * 100) / 100,
      loadAverageAfter: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    };
    const corpusFacts = {
      dir: corpus.dir,
      seed,
      mb: m.mb,
      bytes: m.bytes,
      jsonlFiles: m.jsonlFiles,
      lines: m.lines,
      sessions: m.sessions,
      subagentFiles: m.subagentFiles,
      forkFiles: m.forkFiles,
      days: `${m.firstDay}..${m.lastDay}`,
      requests: m.expected.requests,
      reused: corpus.reused,
      generateMs: corpus.generateMs,
    };
    const md = [
      `## Agent Meter benchmark (${new Date().toISOString().slice(0, 10)})`,
      '',
      `Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memGb} GB RAM, ${machine.platform}, Node ${machine.node}. ` +
        `Corpus: ${(m.bytes / 1e6).toFixed(0)} MB, ${m.jsonlFiles} files (${m.subagentFiles} subagent, ${m.forkFiles} fork), ${m.lines.toLocaleString('en-US')} lines, ` +
        `${m.expected.requests.toLocaleString('en-US')} billed requests, ${m.firstDay}..${m.lastDay}, seed ${seed}` +
        `${corpus.generateMs !== null ? `; generated in ${fmtMs(corpus.generateMs)} (${(m.bytes / 1e6 / (corpus.generateMs / 1000)).toFixed(0)} MB/s)` : ' (cached)'}. Page cache warm for every run; ` +
        `load average ${machine.loadAverageBefore} before, ${machine.loadAverageAfter} after; peak RSS via ${hasGnuTime ? 'agent-meter-stats or /usr/bin/time' : 'agent-meter-stats (no /usr/bin/time)'}.`,
      '',
      table(rows),
      '',
      '| Totals | input | output | cache read | cache write | cost USD |',
      '|---|---|---|---|---|---|',
      ...([['agent-meter', ourTotals], ['ccusage', ccTotals], ['generator (expected)', expected]] as [string, Totals | null][]).map(([n, t]) =>
        t ? `| ${n} | ${t.input} | ${t.output} | ${t.cacheRead} | ${t.cacheWrite} | ${t.costUsd.toFixed(6)} |` : `| ${n} | n/a | n/a | n/a | n/a | n/a |`,
      ),
      '',
      `Totals agreement (tokens exact, cost within 0.1%): **${totalsPass ? 'PASS' : 'FAIL'}**` +
        (totalsPass ? '' : ` — ${[...(vsCcusage?.problems ?? []), ...vsExpected.problems].join('; ') || 'see log'}`),
      '',
      '| Target | Goal | Measured | Result |',
      '|---|---|---|---|',
      ...targetResults.map((t) => `| ${t.name} | ${t.target} | ${t.value} | ${passFail(t.pass)} |`),
      '',
    ].join('\n');
    process.stdout.write(`${md}\n`);
    fs.mkdirSync(values.out, { recursive: true });
    fs.writeFileSync(path.join(values.out, 'results.json'), `${JSON.stringify({ generatedAt: new Date().toISOString(), machine, corpus: corpusFacts, features, ...results }, null, 2)}\n`);
    fs.writeFileSync(path.join(values.out, 'results.md'), `${md}\n`);
    log(`wrote ${path.relative(ROOT, path.join(values.out, 'results.json'))}`);
  } finally {
    cleanup();
    if (values.keep) log(`kept state and HOME under ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
  if (!totalsPass) return 1;
  if (values.strict && targetResults.some((t) => t.pass === false)) return 1;
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`[bench] ${err instanceof SetupError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = err instanceof SetupError ? 2 : 1;
  },
);
