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
  };
  report: { sessions: { sessionId: string; costUsd: number }[] };
}
export function prepareWorld(repo: string): World;
/** An assistant line shaped like Claude Code 2.1.197 writes it: sonnet 4.5, 4,000 input + 800 output = $0.024. */
export function assistantLine(sessionId: string, n: number, cwd: string): string;
