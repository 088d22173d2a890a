// A meter that stays current: loads the persistent store, watches every source root, catches up once (the first
// scan), then reads each change as it lands. A reader (another window or CLI holds the writer lock) keeps exact
// totals in memory and takes over as writer when the other process goes away. Shared by `agent-meter watch` and
// the VS Code extension.
import type { PriceTable } from '../core/pricing';
import { Meter, type CatchUpResult } from './meter';
import type { SourceRoot } from './sourcePaths';
import { LogTailer } from './tailer';

export interface LiveMeterOptions {
  roots: SourceRoot[];
  stateDir: string | undefined;
  prices: PriceTable;
  timeZone: string;
  workers?: number;
  /** How often a reader tries to become the writer. */
  promoteEveryMs?: number;
  /** Full-pass safety net interval (see LogTailer). */
  rescanMs?: number;
  /** After the first scan ('ready') and after every read that changed something ('change'). */
  onUpdate?: (event: 'ready' | 'change', result: CatchUpResult, readMs: number) => void;
  onError?: (err: unknown) => void;
}

export class LiveMeter {
  readonly meter: Meter;
  private tailer: LogTailer | undefined;
  private promoter: NodeJS.Timeout | undefined;
  /** True until the first scan has finished. */
  scanning = true;
  /** Wall time of the first scan, in ms. */
  firstScanMs: number | undefined;
  private stopped = false;

  constructor(private readonly options: LiveMeterOptions) {
    this.meter = new Meter({
      roots: options.roots,
      stateDir: options.stateDir,
      workers: options.workers,
      live: { prices: options.prices, timeZone: options.timeZone },
    });
  }

  /** Opens the store, starts watching, and runs the first scan; resolves when that scan is done. */
  async start(): Promise<void> {
    const startedAt = performance.now();
    this.meter.open();
    this.tailer = new LogTailer(
      this.meter,
      this.options.roots.map((r) => r.dir),
      {
        rescanMs: this.options.rescanMs,
        onUpdate: (result, _paths, readMs) => {
          if (!this.stopped) this.options.onUpdate?.('change', result, readMs);
        },
        onError: (err) => this.options.onError?.(err),
      },
    );
    // Watch first, then catch up: whatever is written from here on is seen, by the watcher or by this pass.
    await this.tailer.start();
    if (this.stopped) return;
    const result = await this.meter.catchUp();
    this.scanning = false;
    this.firstScanMs = performance.now() - startedAt;
    if (this.stopped) return;
    this.options.onUpdate?.('ready', result, this.firstScanMs);
    if (this.options.stateDir) {
      this.promoter = setInterval(() => {
        if (!this.meter.isWriter) void this.meter.promote().catch((err) => this.options.onError?.(err));
      }, this.options.promoteEveryMs ?? 10_000);
      this.promoter.unref();
    }
  }

  /** Resolves when no read is queued or running. */
  idle(): Promise<void> {
    return this.tailer?.idle() ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.promoter) clearInterval(this.promoter);
    await this.tailer?.close();
    this.meter.close();
  }
}
