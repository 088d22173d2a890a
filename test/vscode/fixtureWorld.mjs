// A throw-away world for the extension in a real VS Code: a copy of the real-CLI fixtures as the agents' config
// dirs, an empty ledger dir and a workspace folder, plus what the extension should show for them. The oracle is
// the fixtures' truth.json (the real Claude Code's own total_cost_usd) and `agent-meter report --json` for totals.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Builds the world; throws when the fixtures and the CLI disagree (then nothing downstream can be trusted). */
export function prepareWorld(repo) {
  for (const need of ['dist/extension.js', 'dist/test/suite.js', 'dist/webview.js', 'dist/cli.js']) {
    if (!fs.existsSync(path.join(repo, need))) throw new Error(`${need} is missing; run npm run build first`);
  }
  const fixtures = path.join(repo, 'test', 'fixtures');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-vscode-'));
  const claude = path.join(work, 'claude');
  const codex = path.join(work, 'codex');
  // Every real Claude Code scenario and one Codex session tree, as the agents wrote them.
  for (const scenario of fs.readdirSync(path.join(fixtures, 'claude-real'))) {
    fs.cpSync(path.join(fixtures, 'claude-real', scenario, 'projects'), path.join(claude, 'projects'), { recursive: true });
  }
  fs.cpSync(path.join(fixtures, 'codex-real', 'tool-loop-resume-fork', 'sessions'), path.join(codex, 'sessions'), { recursive: true });
  fs.mkdirSync(path.join(work, 'ws'));
  fs.writeFileSync(path.join(work, 'ws', 'README.md'), '# Agent Meter integration workspace\n');

  const report = JSON.parse(
    execFileSync(process.execPath, [path.join(repo, 'dist', 'cli.js'), 'report', '--json', '--no-state', '--claude-dir', claude, '--codex-dir', codex, '--timezone', 'UTC'], { encoding: 'utf8' }),
  );
  const latest = report.sessions[0];
  let cliCostUsd;
  for (const scenario of fs.readdirSync(path.join(fixtures, 'claude-real'))) {
    const truth = JSON.parse(fs.readFileSync(path.join(fixtures, 'claude-real', scenario, 'truth.json'), 'utf8'));
    const hit = truth.expected?.sessions?.find((s) => s.sessionId === latest.sessionId);
    if (hit) cliCostUsd = hit.costUsd;
  }
  if (cliCostUsd === undefined) throw new Error(`the latest session ${latest.sessionId} is in no truth.json; the fixture set changed`);
  if (Math.abs(cliCostUsd - latest.costUsd) > 1e-9) {
    throw new Error(`the CLI report says ${latest.costUsd} for ${latest.sessionId}, the real Claude Code said ${cliCostUsd}`);
  }
  return {
    work,
    claude,
    codex,
    ws: path.join(work, 'ws'),
    projects: path.join(claude, 'projects'),
    env: { CLAUDE_CONFIG_DIR: claude, CODEX_HOME: codex, AGENT_METER_HOME: path.join(work, 'state') },
    expected: {
      latest: { sessionId: latest.sessionId, cliCostUsd, contextTokens: latest.contextTokens, contextWindow: latest.contextWindow },
      totals: { costUsd: report.totals.costUsd, requests: report.totals.requests },
      sessions: report.sessions.length,
    },
    report,
  };
}

/** An assistant line shaped like Claude Code 2.1.197 writes it: sonnet 4.5, 4,000 input + 800 output = $0.024. */
export function assistantLine(sessionId, n, cwd) {
  return `${JSON.stringify({
    parentUuid: `p${n}`,
    isSidechain: false,
    message: {
      id: `msg_ui_${sessionId.slice(0, 4)}_${n}`,
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 4000, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 800, service_tier: 'standard' },
    },
    requestId: `req_ui_${sessionId.slice(0, 4)}_${n}`,
    type: 'assistant',
    uuid: `u${n}`,
    timestamp: new Date().toISOString(),
    cwd,
    sessionId,
    gitBranch: 'main',
  })}\n`;
}
