// The selected session's two charts, drawn as plain SVG at the container's pixel width (so labels stay legible
// from a 360px sidebar to a full editor): cumulative cost per request, and context per turn against the model's
// window with compaction markers. Each chart is one `role="img"` with a spoken summary; the per-turn numbers are
// also offered as a real table (`turnTable`).
import type { SessionSeries, TurnPoint } from '../core/panelProtocol';
import { compactionTurnIndex, niceTicks, requestTicks, scaleLinear, turnBuckets, type TurnBucket } from './chartMath';
import { svg, html } from './dom';
import { contextChartSummary, costChartSummary, formatClock, formatPercent, formatTokens, formatUsd, formatUsdTick } from './format';

const HEIGHT = 200;
const MARGIN = { top: 14, right: 14, bottom: 38 };
/** Approximate width of one axis-label character at the chart font size (11px). */
const CHAR_WIDTH = 6.6;
/** The narrowest a bar may get before turns are grouped. */
const MIN_BAND = 3;

/** Plot geometry shared by both charts: a band per turn (or per group of turns) along x. */
interface Frame {
  width: number;
  left: number;
  top: number;
  plotWidth: number;
  plotHeight: number;
  turnCount: number;
  yMax: number;
}

function bandX(frame: Frame, turnIndex: number): number {
  return frame.left + (turnIndex / frame.turnCount) * frame.plotWidth;
}

function y(frame: Frame, value: number): number {
  return scaleLinear(value, 0, frame.yMax, frame.top + frame.plotHeight, frame.top);
}

function makeFrame(width: number, turnCount: number, yLabels: string[], yMax: number): Frame {
  const longest = yLabels.reduce((m, s) => Math.max(m, s.length), 0);
  const left = Math.ceil(longest * CHAR_WIDTH) + 12;
  return {
    width,
    left,
    top: MARGIN.top,
    plotWidth: Math.max(40, width - left - MARGIN.right),
    plotHeight: HEIGHT - MARGIN.top - MARGIN.bottom,
    turnCount,
    yMax,
  };
}

/** Gridlines and labels for the y axis, the x baseline, request-number ticks and the x axis title. */
function axes(frame: Frame, yTicks: readonly number[], yLabel: (v: number) => string): SVGGElement {
  const group = svg('g', { class: 'axis', 'aria-hidden': 'true' });
  for (const value of yTicks) {
    const at = y(frame, value);
    group.append(
      svg('line', { class: value === 0 ? 'baseline' : 'grid', x1: frame.left, x2: frame.left + frame.plotWidth, y1: at, y2: at }),
      svg('text', { x: frame.left - 6, y: at, dy: '0.32em', 'text-anchor': 'end' }, [yLabel(value)]),
    );
  }
  const bottom = frame.top + frame.plotHeight;
  for (const request of requestTicks(frame.turnCount, Math.floor(frame.plotWidth / 48))) {
    const at = bandX(frame, request - 0.5);
    group.append(
      svg('line', { class: 'tick', x1: at, x2: at, y1: bottom, y2: bottom + 4 }),
      svg('text', { x: at, y: bottom + 16, 'text-anchor': 'middle' }, [String(request)]),
    );
  }
  group.append(
    svg('text', { class: 'axis-title', x: frame.left + frame.plotWidth / 2, y: HEIGHT - 4, 'text-anchor': 'middle' }, ['Request']),
  );
  return group;
}

/** Dashed vertical lines where the session compacted (between the turns before and after). */
function compactionMarkers(frame: Frame, session: SessionSeries): SVGGElement {
  const group = svg('g', { class: 'compactions' });
  const times = session.turns.map((t) => t.at);
  for (const compaction of session.compactions) {
    const index = compactionTurnIndex(times, compaction.at);
    if (index < 0) continue;
    const at = bandX(frame, index);
    const after = compaction.postTokens === null ? '' : ` (context down to ${formatTokens(compaction.postTokens)} tokens)`;
    group.append(
      svg('g', { class: 'compaction' }, [
        svg('title', {}, [`Compaction before request ${index + 1}${after}`]),
        svg('line', { x1: at, x2: at, y1: frame.top, y2: frame.top + frame.plotHeight }),
        svg('path', { d: `M${at - 4},${frame.top - 8} h8 l-4,6 z` }),
      ]),
    );
  }
  return group;
}

function rootSvg(frame: Frame, summary: string, className: string): SVGSVGElement {
  return svg('svg', {
    class: `chart-svg ${className}`,
    width: frame.width,
    height: HEIGHT,
    viewBox: `0 0 ${frame.width} ${HEIGHT}`,
    role: 'img',
    'aria-label': summary,
  }, [svg('title', {}, [summary])]);
}

function bucketLabel(bucket: TurnBucket): string {
  return bucket.start === bucket.end ? `Request ${bucket.start + 1}` : `Requests ${bucket.start + 1}–${bucket.end + 1}`;
}

/** An invisible full-height strip per bucket carrying a native tooltip, and a hover highlight. */
function hoverStrip(frame: Frame, bucket: TurnBucket, tooltip: string): SVGRectElement {
  const x0 = bandX(frame, bucket.start);
  const x1 = bandX(frame, bucket.end + 1);
  return svg('rect', { class: 'hit', x: x0, y: frame.top, width: Math.max(1, x1 - x0), height: frame.plotHeight }, [
    svg('title', {}, [tooltip]),
  ]);
}

/** Cumulative cost after each request: a line with a light area under it. */
export function costChart(session: SessionSeries, width: number): SVGSVGElement {
  const turns = session.turns;
  const top = turns.reduce((m, t) => Math.max(m, t.cumulativeUsd), 0);
  const scale = niceTicks(top, 4);
  const labels = scale.ticks.map((v) => formatUsdTick(v, scale.step));
  const frame = makeFrame(width, turns.length, labels, scale.max);
  const root = rootSvg(frame, costChartSummary(turns), 'chart-cost');
  root.append(axes(frame, scale.ticks, (v) => formatUsdTick(v, scale.step)));

  const buckets = turnBuckets(turns.length, frame.plotWidth / MIN_BAND);
  const points = buckets.map((b) => {
    const turn = turns[b.end]!;
    return { x: bandX(frame, (b.start + b.end + 1) / 2), y: y(frame, turn.cumulativeUsd), bucket: b, turn };
  });
  const first = points[0];
  const last = points[points.length - 1];
  if (first && last) {
    const line = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    const base = y(frame, 0).toFixed(1);
    root.append(
      svg('path', { class: 'area', d: `${line} L${last.x.toFixed(1)},${base} L${first.x.toFixed(1)},${base} Z` }),
      svg('path', { class: 'line', d: line }),
    );
    if (points.length <= 60) {
      const dots = svg('g', { class: 'dots' });
      for (const p of points) dots.append(svg('circle', { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: 2.5 }));
      root.append(dots);
    }
  }
  root.append(compactionMarkers(frame, session));
  const hits = svg('g', { class: 'hits' });
  for (const p of points) {
    const spent = sumCost(turns, p.bucket);
    hits.append(hoverStrip(frame, p.bucket, `${bucketLabel(p.bucket)}: +${formatUsd(spent)}, total ${formatUsd(p.turn.cumulativeUsd)}`));
  }
  root.append(hits);
  return root;
}

function sumCost(turns: readonly TurnPoint[], bucket: TurnBucket): number {
  let sum = 0;
  for (let i = bucket.start; i <= bucket.end; i++) sum += turns[i]?.costUsd ?? 0;
  return sum;
}

/** Context per turn as bars, the model's window as a line, compactions as markers. */
export function contextChart(session: SessionSeries, width: number): SVGSVGElement {
  const turns = session.turns;
  const peak = turns.reduce((m, t) => Math.max(m, t.contextTokens), 0);
  const window = session.contextWindow > 0 ? session.contextWindow : 0;
  const scale = niceTicks(Math.max(peak, window), 4);
  const labels = scale.ticks.map(formatTokens);
  const frame = makeFrame(width, turns.length, labels, scale.max);
  const root = rootSvg(frame, contextChartSummary(session), 'chart-context');
  root.append(axes(frame, scale.ticks, formatTokens));

  const bars = svg('g', { class: 'bars' });
  const hits = svg('g', { class: 'hits' });
  for (const bucket of turnBuckets(turns.length, frame.plotWidth / MIN_BAND)) {
    // A group of turns shows its largest context: the figure that matters for the window.
    let tokens = 0;
    for (let i = bucket.start; i <= bucket.end; i++) tokens = Math.max(tokens, turns[i]?.contextTokens ?? 0);
    const x0 = bandX(frame, bucket.start);
    const band = bandX(frame, bucket.end + 1) - x0;
    const barWidth = Math.max(1, band * (band >= 6 ? 0.72 : 0.9));
    const yTop = y(frame, tokens);
    const full = window > 0 && tokens >= window;
    bars.append(svg('rect', {
      class: full ? 'bar over' : 'bar',
      x: (x0 + (band - barWidth) / 2).toFixed(1),
      y: yTop.toFixed(1),
      width: barWidth.toFixed(1),
      height: Math.max(0, y(frame, 0) - yTop).toFixed(1),
    }));
    const percent = window > 0 ? ` (${formatPercent((tokens / window) * 100)} of ${formatTokens(window)})` : '';
    hits.append(hoverStrip(frame, bucket, `${bucketLabel(bucket)}: ${formatTokens(tokens)} tokens${percent}`));
  }
  root.append(bars);
  if (window > 0) {
    const at = y(frame, window);
    const label = `window ${formatTokens(window)}`;
    root.append(svg('g', { class: 'window', 'aria-hidden': 'true' }, [
      svg('line', { x1: frame.left, x2: frame.left + frame.plotWidth, y1: at, y2: at }),
      svg('text', { x: frame.left + frame.plotWidth - 4, y: at - 4, 'text-anchor': 'end' }, [label]),
    ]));
  }
  root.append(compactionMarkers(frame, session), hits);
  return root;
}

/** The numbers behind both charts, one row per request, compactions noted on the request after them. */
export function turnTable(session: SessionSeries, timeZone: string): HTMLTableElement {
  const times = session.turns.map((t) => t.at);
  const compactedBefore = new Set(session.compactions.map((c) => compactionTurnIndex(times, c.at)));
  const head = html('thead', {}, [
    html('tr', {}, ['Request', 'Time', 'Model', 'Cost', 'Total', 'Context', 'Note'].map((h) => html('th', { text: h, attrs: { scope: 'col' } }))),
  ]);
  const body = html('tbody');
  session.turns.forEach((turn, i) => {
    body.append(html('tr', {}, [
      html('th', { text: String(i + 1), attrs: { scope: 'row' } }),
      html('td', { text: formatClock(turn.at, timeZone) }),
      html('td', { text: turn.model }),
      html('td', { className: 'num', text: formatUsd(turn.costUsd) }),
      html('td', { className: 'num', text: formatUsd(turn.cumulativeUsd) }),
      html('td', { className: 'num', text: formatTokens(turn.contextTokens) }),
      html('td', { text: compactedBefore.has(i) ? 'after compaction' : '' }),
    ]));
  });
  return html('table', { className: 'turn-table' }, [
    html('caption', { className: 'sr-only', text: 'Cost and context per request of the selected session' }),
    head,
    body,
  ]);
}
