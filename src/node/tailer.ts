// Follows the agents' logs as they are written: chokidar watches every source root (new files and new folders
// included); a changed file is read from its checkpoint, so each event costs only the new bytes. Events arriving
// while a read runs are coalesced into the next one. A periodic full pass (stat only, unless something changed)
// catches anything a file-system event missed.
import { watch, type FSWatcher } from 'chokidar';
import type { CatchUpResult, Meter } from './meter';

export interface TailerOptions {
  /** Wait this long after an event for more before reading (a burst of block lines becomes one read). */
  coalesceMs?: number;
  /** Full pass interval, as a safety net. */
  rescanMs?: number;
  /** Called after each read that changed something (in memory; persisted when this process is the writer), with
   * how long the read (and persist) took. */
  onUpdate?: (result: CatchUpResult, paths: string[] | 'all', readMs: number) => void;
  onError?: (err: unknown) => void;
}

export class LogTailer {
  private watcher: FSWatcher | undefined;
  private readonly pending = new Set<string>();
  private fullPassPending = false;
  private timer: NodeJS.Timeout | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly meter: Meter,
    private readonly roots: string[],
    private readonly options: TailerOptions = {},
  ) {}

  /** Starts watching; resolves once the watcher has set up (events from then on are seen). */
  async start(): Promise<void> {
    this.watcher = watch(this.roots, {
      ignoreInitial: true,
      persistent: true,
      // Only *.jsonl files matter; folders must pass so that new ones are watched.
      ignored: (p, stats) => stats?.isFile() === true && !p.endsWith('.jsonl'),
    });
    const onFile = (p: string) => this.schedule(p);
    this.watcher.on('add', onFile).on('change', onFile).on('unlink', onFile);
    this.watcher.on('error', (err) => this.options.onError?.(err));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
    const every = this.options.rescanMs ?? 60_000;
    if (every > 0) {
      this.rescanTimer = setInterval(() => this.scheduleFullPass(), every);
      this.rescanTimer.unref();
    }
  }

  /** Queues a read of one file. */
  schedule(path: string): void {
    if (this.closed || !path.endsWith('.jsonl')) return;
    this.pending.add(path);
    this.kick();
  }

  /** Queues a pass over every file (stat all, read what changed). */
  scheduleFullPass(): void {
    if (this.closed) return;
    this.fullPassPending = true;
    this.kick();
  }

  private kick(): void {
    if (this.timer || this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.drain().finally(() => {
        this.running = undefined;
        if (this.pending.size > 0 || this.fullPassPending) this.kick();
      });
    }, this.options.coalesceMs ?? 15);
  }

  private async drain(): Promise<void> {
    const full = this.fullPassPending;
    const paths = [...this.pending];
    this.pending.clear();
    this.fullPassPending = false;
    try {
      const startedAt = performance.now();
      const result = await this.meter.catchUp(full ? undefined : paths);
      if (result.changed) this.options.onUpdate?.(result, full ? 'all' : paths, performance.now() - startedAt);
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  /** Resolves when no read is queued or running (for tests and clean shutdown). */
  async idle(): Promise<void> {
    while (this.running || this.timer) {
      if (this.running) await this.running;
      else await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    this.timer = undefined;
    await this.running;
    await this.watcher?.close();
  }
}
