// The `agent-meter report --json` contract as issue 2 states it, restated for the e2e suites on purpose: the tests
// pin the public interface rather than importing whatever src/ currently declares.

export interface ReportTokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

export interface ReportSession {
  agent: 'claude-code' | 'codex';
  sessionId: string;
  project: string | null;
  branch: string | null;
  models: string[];
  requests: number;
  costUsd: number;
  estimatedExtraUsd: number;
  tokens: ReportTokens;
  contextTokens: number;
  contextWindow: number;
}

export interface Report {
  totals: { costUsd: number; estimatedExtraUsd: number; requests: number; tokens: ReportTokens };
  sessions: ReportSession[];
  days: { date: string; costUsd: number; tokens: ReportTokens }[];
  diagnostics: { files: number; lines: number; rejectedLines: number; rejected: Record<string, number>; unpricedModels: string[] };
  findings: ReportFinding[];
  budget: { state: 'ok' | 'warn' | 'throttle' | 'stop'; reason: string; periods: { id: string; costUsd: number; budgetUsd: number | null; level: string }[] };
}

/** One `findings[]` entry: the six documented fields, plus what the tests check the turns and pattern with. */
export interface ReportFinding {
  id: string;
  kind: 'context-creep' | 'retry-loop' | 'runaway-burn' | 'cache-churn';
  sessionId: string;
  severity: 'warning' | 'critical';
  usdAtStake: number;
  summary: string;
  pattern: string | null;
  turns: number[];
}
