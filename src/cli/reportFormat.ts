// Renders a Report for the terminal: the documented `--json` shape and a human table.
import type { Finding } from '../core/findings';
import type { Report } from '../core/report';
import type { TokenCounts } from '../core/usageRecord';

const money = (n: number) => `$${n.toFixed(2)}`;

function compact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

function tokenCells(t: TokenCounts): string[] {
  return [compact(t.input), compact(t.output), compact(t.cacheRead), compact(t.cacheWrite5m + t.cacheWrite1h)];
}

function table(head: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) =>
    r.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `…${s.slice(s.length - n + 1)}`;
}

/** The findings block of the table report: one line each, most severe first, the evidence left to --json. */
function findingLines(findings: Finding[], since: string | null): string[] {
  const head = since ? `Findings (sessions active since ${since})` : 'Findings';
  if (findings.length === 0) return [`${head}: none`, ''];
  return [
    head,
    table(
      ['Severity', 'Kind', 'Session', 'At stake', 'What'],
      findings.map((f) => [f.severity, f.pattern ? `${f.kind} (${f.pattern})` : f.kind, f.sessionId.slice(0, 8), money(f.usdAtStake), f.summary]),
      new Set([3]),
    ),
    '',
  ];
}

/** The default human-readable report; `findings` (report --json's section) are listed after the totals. */
export function formatReportTable(r: Report, findings?: { findings: Finding[]; since: string | null }): string {
  const out: string[] = [];
  const right = new Set([3, 4, 5, 6, 7, 8, 9]);
  out.push(
    'Sessions',
    table(
      ['Agent', 'Session', 'Project', 'Requests', 'Input', 'Output', 'Cache rd', 'Cache wr', 'Context', 'Cost'],
      r.sessions.map((s) => [
        s.agent,
        s.sessionId.slice(0, 8),
        truncate(`${s.project ?? '?'}${s.branch ? ` (${s.branch})` : ''}`, 40),
        String(s.requests),
        ...tokenCells(s.tokens),
        s.contextTokens ? `${Math.round((100 * s.contextTokens) / s.contextWindow)}%` : '-',
        money(s.costUsd) + (s.unpricedRequests ? '*' : ''),
      ]),
      right,
    ),
    '',
    'Days',
    table(
      ['Date', 'Requests', 'Input', 'Output', 'Cache rd', 'Cache wr', 'Cost'],
      r.days.map((d) => [d.date, String(d.requests), ...tokenCells(d.tokens), money(d.costUsd)]),
      new Set([1, 2, 3, 4, 5, 6]),
    ),
    '',
    'Models',
    table(
      ['Model', 'Requests', 'Input', 'Output', 'Cache rd', 'Cache wr', 'Cost'],
      r.models.map((m) => [m.model + (m.pricedAs ? '' : ' (unpriced)'), String(m.requests), ...tokenCells(m.tokens), money(m.costUsd)]),
      new Set([1, 2, 3, 4, 5, 6]),
    ),
    '',
    `Total: ${money(r.totals.costUsd)} over ${r.totals.requests} requests` +
      (r.totals.estimatedExtraUsd > 0 ? ` (+ ~${money(r.totals.estimatedExtraUsd)} estimated for billed requests the logs do not show)` : ''),
  );
  if (findings) out.push('', ...findingLines(findings.findings, findings.since));
  const d = r.diagnostics;
  const rejected = Object.entries(d.rejected).map(([k, v]) => `${k} ${v}`);
  out.push(
    `Read ${d.files} files, ${d.lines} lines; rejected ${d.rejectedLines}${rejected.length ? ` (${rejected.join(', ')})` : ''}` +
      (d.unpricedModels.length ? `; unpriced models (*): ${d.unpricedModels.join(', ')}` : '') +
      (d.unreadable.length ? `; ${d.unreadable.length} unreadable paths` : ''),
    `Days in ${r.timeZone}; prices ${r.priceVersion}.`,
    '',
  );
  return out.join('\n');
}
