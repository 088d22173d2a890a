// A finding card's words: pure functions of the snapshot's finding and the session's short name, so what the panel
// says about a finding ("$0.42 at stake · session app · 1a2b3c4d · requests 12–17") has unit tests. Types only from
// core (the webview bundle takes no core code): the request range and thread wording repeat core/findings.ts's.
import type { Finding } from '../core/findings';
import { formatUsd } from './format';

/** "request 12" or "requests 12–17" (as core/findings.ts turnRange). */
export function requestRange(turns: readonly number[]): string {
  const first = turns[0];
  const last = turns[turns.length - 1];
  if (first === undefined || last === undefined) return '';
  return first === last ? `request ${first}` : `requests ${first}–${last}`;
}

export const NO_FINDINGS = 'No findings in the last 24 hours.';

/** The card's facts line, as separate parts: dollars at stake, session, requests and (for a subagent) the thread. */
export function findingFacts(f: Finding, sessionName: string | undefined): string[] {
  const parts = [`${formatUsd(f.usdAtStake)} at stake`, `session ${sessionName ?? f.sessionId.slice(0, 8)}`];
  const turns = requestRange(f.turns);
  if (turns) parts.push(turns);
  if (f.thread) parts.push(`subagent ${f.thread.slice(0, 8)}`);
  return parts;
}

/** "Critical" / "Warning": the severity in words (the icon and colour repeat it, never replace it). */
export function severityLabel(f: Finding): string {
  return f.severity === 'critical' ? 'Critical' : 'Warning';
}

/** "Findings" with the count: "Findings (3)"; plain "Findings" without any. */
export function findingsHeading(count: number): string {
  return count > 0 ? `Findings (${count})` : 'Findings';
}
