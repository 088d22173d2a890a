// Types for fixtureWorld.mjs (plain ESM, run by Node directly and bundled into the integration suite).
export interface World {
  work: string;
  claude: string;
  codex: string;
  ws: string;
  projects: string;
  env: Record<string, string>;
  expected: {
    latest: { sessionId: string; cliCostUsd: number; contextTokens: number; contextWindow: number };
    totals: { costUsd: number; requests: number };
    sessions: number;
    /** Sessions of the `i-` / `j-` fixtures (recorded to have findings) and the CLI report's findings for each. */
    findingSessions: {
      scenario: string;
      sessionId: string;
      contextTokens: number;
      contextWindow: number;
      findings: { id: string; kind: string; severity: string; usdAtStake: number; summary: string; pattern: string | null; turns: number[] }[];
    }[];
  };
  report: {
    sessions: { sessionId: string; costUsd: number; lastAt: string }[];
    days: { date: string; costUsd: number }[];
    findings?: { id: string; sessionId: string }[];
  };
}
/** `liveAt`: shift the Claude Code logs' timestamps so the newest lands there. */
export function prepareWorld(repo: string, options?: { liveAt?: Date }): World;
/** An assistant line shaped like Claude Code 2.1.197 writes it: sonnet 4.5, 4,000 input + 800 output = $0.024. */
export function assistantLine(sessionId: string, n: number, cwd: string): string;
