// The charts' arithmetic, apart from the SVG that draws it: axis ticks on round numbers, thinning of long sessions
// to what the plot width can show, and where a compaction falls between turns. Pure, so tests can reach it.

/** Axis ticks from 0 to a round maximum at or above the data's maximum. */
export interface AxisTicks {
  max: number;
  step: number;
  ticks: number[];
}

/**
 * Ticks 0, step, 2·step … covering `dataMax` with at most `maxCount` intervals, the step being 1, 2, 2.5 or 5 times a
 * power of ten. A zero or invalid maximum still yields a usable axis (0..1).
 */
export function niceTicks(dataMax: number, maxCount: number): AxisTicks {
  const count = Math.max(1, Math.floor(maxCount));
  const top = Number.isFinite(dataMax) && dataMax > 0 ? dataMax : 1;
  const rough = top / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  let step = magnitude * 10;
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * magnitude * count >= top * (1 - 1e-9)) {
      step = m * magnitude;
      break;
    }
  }
  const intervals = Math.max(1, Math.ceil(top / step - 1e-9));
  const ticks: number[] = [];
  // Multiply rather than accumulate so 0.1 + 0.2 style drift never shows up in a label.
  for (let i = 0; i <= intervals; i++) ticks.push(Number((i * step).toPrecision(12)));
  return { max: ticks[ticks.length - 1] ?? step, step, ticks };
}

/** Ticks on whole request numbers 1..n: 1, then round multiples, at most about `maxCount` of them. */
export function requestTicks(n: number, maxCount: number): number[] {
  if (n < 1) return [];
  if (n === 1) return [1];
  const { step } = niceTicks(n, Math.max(1, maxCount));
  const whole = Math.max(1, Math.round(step));
  const ticks = [1];
  for (let t = whole; t <= n; t += whole) if (t > 1) ticks.push(t);
  return ticks;
}

/** A contiguous run of turn indexes [start, end] (inclusive) drawn as one mark. */
export interface TurnBucket {
  start: number;
  end: number;
}

/**
 * Splits n turns into at most `maxBuckets` contiguous runs of near-equal size, so a 2,000-turn session draws as
 * many marks as the plot has room for. With room to spare every turn is its own bucket.
 */
export function turnBuckets(n: number, maxBuckets: number): TurnBucket[] {
  const buckets: TurnBucket[] = [];
  if (n <= 0) return buckets;
  const count = Math.max(1, Math.min(n, Math.floor(maxBuckets)));
  for (let b = 0; b < count; b++) {
    const start = Math.floor((b * n) / count);
    const end = Math.floor(((b + 1) * n) / count) - 1;
    buckets.push({ start, end });
  }
  return buckets;
}

/**
 * Where a compaction falls among the turns: the index of the first turn at or after it (the turn whose context the
 * compaction shrank), `turnTimes.length` when it came after the last turn, or -1 when the time does not parse.
 */
export function compactionTurnIndex(turnTimes: readonly string[], at: string): number {
  const when = Date.parse(at);
  if (Number.isNaN(when)) return -1;
  for (let i = 0; i < turnTimes.length; i++) {
    const t = Date.parse(turnTimes[i] ?? '');
    if (!Number.isNaN(t) && t >= when) return i;
  }
  return turnTimes.length;
}

/** Maps a value from [d0, d1] onto [r0, r1]; a collapsed domain maps to the middle of the range. */
export function scaleLinear(value: number, d0: number, d1: number, r0: number, r1: number): number {
  if (d1 === d0) return (r0 + r1) / 2;
  return r0 + ((value - d0) / (d1 - d0)) * (r1 - r0);
}
