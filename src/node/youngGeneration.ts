// A cap on V8's young generation for the CLI's big one-shot scans. V8 doubles the new space (up to 2 × 16 MB
// semi-spaces) once enough objects have survived it, and a cold scan keeps every request key and timestamp: the new
// space ends up the largest single block of a cold `report` (32 of ~165 MB). Past 2 × 8 MB it no longer pays for
// itself (the benchmark: time within noise, about 15 MB less peak RSS). The maximum is fixed at start-up
// (`--max-semi-space-size`, which a `node dist/cli.js` run never gets), but the growth factor is read at every
// resize, so growth is stopped once the new space reaches the cap. Only the CLI turns this on: the extension host's
// heap is VS Code's to tune.
import * as v8 from 'node:v8';

/** Both semi-spaces together; V8's own default maximum is 32 MB. */
const CAP_BYTES = 16 << 20;
const CHECK_EVERY_MS = 10;

let capBytes: number | undefined;

/** True once growth is stopped (or the new space is at the cap now and growth was stopped). */
function reachedCap(): boolean {
  if (capBytes === undefined) return false;
  const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  if (!newSpace || newSpace.space_size < capBytes) return false;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  capBytes = undefined;
  return true;
}

/** Stops the new space from growing past `cap` for the rest of this process (checks until it gets there). */
export function capYoungGeneration(cap = CAP_BYTES): void {
  capBytes = cap;
  if (reachedCap()) return;
  const timer = setInterval(() => {
    if (capBytes === undefined || reachedCap()) clearInterval(timer);
  }, CHECK_EVERY_MS);
  timer.unref();
}

/**
 * Long synchronous work (loading the store, reading a big file) calls this now and then: the timer above cannot run
 * until the event loop turns. Does nothing unless capYoungGeneration() was called.
 */
export function heapCheckpoint(): void {
  if (capBytes !== undefined) reachedCap();
}
