// The live meter inside the extension host: same sources as the CLI (the host's CLAUDE_CONFIG_DIR / CODEX_HOME,
// else the defaults) plus the roots from settings, the shared persistent ledger, and a restart when a setting that
// shapes the ledger changes. Every update is announced once; the status bar and the panel listen.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isValidTimeZone } from '../core/calendar';
import type { Ledger } from '../core/ledger';
import type { LiveTotals } from '../core/liveTotals';
import { PriceTable } from '../core/pricing';
import type { Settings } from '../core/settings';
import type { UsageRecord } from '../core/usageRecord';
import type { CatchUpResult } from '../node/meter';
import { LiveMeter } from '../node/liveMeter';
import { defaultSourceDirs, sourceRoots, type SourceRoot } from '../node/sourcePaths';
import { defaultStateDir } from '../node/stateDir';

/** Settings that change what the ledger holds or how it is priced: a change restarts the meter. */
const RESTART_KEYS: (keyof Settings)[] = ['sources.claudeConfigDirs', 'sources.codexHomes', 'stateDir', 'pricing.overrides', 'timeZone'];

export interface MeterUpdate {
  event: 'ready' | 'change' | 'restart';
  /** performance.now() when the update was announced. */
  at: number;
  readMs: number;
  filesRead: number;
}

function expandHome(p: string): string {
  return p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;
}

export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export class MeterHost implements vscode.Disposable {
  private liveMeter: LiveMeter | undefined;
  private readonly emitter = new vscode.EventEmitter<MeterUpdate>();
  readonly onDidUpdate = this.emitter.event;
  /** Resolves when the current meter's first scan is done. */
  ready: Promise<void> = Promise.resolve();
  roots: SourceRoot[] = [];
  stateDir: string | undefined;
  timeZone = 'UTC';
  prices = new PriceTable();
  private generation = 0;
  private lastRejected = 0;

  constructor(
    private settings: Settings,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  get ledger(): Ledger | undefined {
    return this.liveMeter?.meter.ledger;
  }

  /** Every counted request of this machine's ledger (the team outbox's input). */
  records(): Iterable<UsageRecord> {
    return this.liveMeter?.meter.allRecords() ?? [];
  }

  /** Changes whenever records() would give something new. */
  changeStamp(): string {
    return `${this.generation}:${this.liveMeter?.meter.changeStamp() ?? ''}`;
  }

  get live(): LiveTotals | undefined {
    return this.liveMeter?.meter.live;
  }

  get scanning(): boolean {
    return this.liveMeter?.scanning ?? true;
  }

  get firstScanMs(): number | undefined {
    return this.liveMeter?.firstScanMs;
  }

  get warnings(): string[] {
    return this.liveMeter?.meter.warnings ?? [];
  }

  get isWriter(): boolean {
    return this.liveMeter?.meter.isWriter ?? false;
  }

  /** (Re)starts the meter with the current settings. */
  start(): Promise<void> {
    const generation = ++this.generation;
    const s = this.settings;
    const dirs = defaultSourceDirs(process.env);
    dirs.claudeDirs.push(...s['sources.claudeConfigDirs'].map(expandHome));
    dirs.codexDirs.push(...s['sources.codexHomes'].map(expandHome));
    this.roots = sourceRoots(dirs);
    this.stateDir = s.stateDir ? expandHome(s.stateDir) : defaultStateDir(process.env);
    const zone = s.timeZone || systemTimeZone();
    if (!isValidTimeZone(zone)) this.log.warn(`agentMeter.timeZone "${zone}" is not an IANA time zone; using ${systemTimeZone()}`);
    this.timeZone = isValidTimeZone(zone) ? zone : systemTimeZone();
    this.prices = new PriceTable(s['pricing.overrides']);
    this.log.info(`reading ${this.roots.length ? this.roots.map((r) => `${r.agent}: ${r.dir}`).join('; ') : 'no log folders (none of the agents\' folders exist yet)'}`);
    this.log.info(`ledger: ${this.stateDir}; time zone ${this.timeZone}; prices ${this.prices.version}`);

    const previous = this.liveMeter;
    const liveMeter = new LiveMeter({
      roots: this.roots,
      stateDir: this.stateDir,
      prices: this.prices,
      timeZone: this.timeZone,
      onUpdate: (event, result, readMs) => {
        if (generation === this.generation) this.announce(event, result, readMs);
      },
      onError: (err) => this.log.error(`tailer: ${err instanceof Error ? err.message : String(err)}`),
    });
    this.liveMeter = liveMeter;
    this.lastRejected = 0;
    this.emitter.fire({ event: 'restart', at: performance.now(), readMs: 0, filesRead: 0 });
    this.ready = (async () => {
      await previous?.stop();
      await liveMeter.start();
    })().catch((err) => {
      this.log.error(`could not start the meter: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    });
    return this.ready;
  }

  /** Applies new settings; restarts only when the ledger depends on what changed. */
  updateSettings(next: Settings): void {
    const previous = this.settings;
    this.settings = next;
    if (RESTART_KEYS.some((k) => JSON.stringify(previous[k]) !== JSON.stringify(next[k]))) void this.start();
  }

  private announce(event: 'ready' | 'change', result: CatchUpResult, readMs: number): void {
    const meter = this.liveMeter!.meter;
    if (event === 'ready') {
      for (const w of meter.warnings) this.log.warn(w);
      const d = meter.ledger.diagnostics;
      this.log.info(
        `first scan: ${d.files} files, ${d.lines} lines, ${meter.live?.requests ?? 0} requests in ${Math.round(readMs)} ms` +
          `${meter.isWriter ? '' : ' (another process writes the ledger; this window reads)'}`,
      );
      for (const u of d.unreadable) this.log.warn(`cannot read ${u.path}: ${u.error}`);
    } else {
      this.log.debug(`read ${result.filesRead} file(s), ${result.bytesRead} bytes in ${readMs.toFixed(1)} ms`);
    }
    this.reportRejections(meter.ledger);
    this.emitter.fire({ event, at: performance.now(), readMs, filesRead: result.filesRead });
  }

  /** Rejected lines are diagnostics, never content: reasons and counts only. */
  private reportRejections(ledger: Ledger): void {
    const d = ledger.diagnostics;
    if (d.rejectedLines === this.lastRejected) return;
    const reasons = Object.entries(d.rejected)
      .map(([reason, n]) => `${reason} ${n}`)
      .join(', ');
    this.log.warn(`${d.rejectedLines} log line(s) could not be used (${reasons}); their files are still read, the rest counted`);
    this.lastRejected = d.rejectedLines;
  }

  /** Resolves when no read is queued or running. */
  idle(): Promise<void> {
    return this.liveMeter?.idle() ?? Promise.resolve();
  }

  /** Stops watching and releases the writer lock (another window or CLI run can then take over). */
  async stop(): Promise<void> {
    this.generation++;
    const liveMeter = this.liveMeter;
    this.liveMeter = undefined;
    await liveMeter?.stop();
  }

  dispose(): void {
    void this.stop();
    this.emitter.dispose();
  }
}
