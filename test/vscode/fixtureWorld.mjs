// A throw-away world for the extension in a real VS Code: a copy of the real-CLI fixtures as the agents' config
// dirs, an empty ledger dir and a workspace folder, plus what the extension should show for them. The oracle is
// the fixtures' truth.json (the real Claude Code's own total_cost_usd) and `agent-meter report --json` for totals
// and findings. The fixtures whose scenario names start with `i-` and `j-` were recorded to have findings (a retry
// loop, a growing context); `findingSessions` lists their sessions with the findings the CLI reports for them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Builds the world; throws when the fixtures and the CLI disagree (then nothing downstream can be trusted).
 * `liveAt`: move every Claude Code line's timestamp by one offset so that the newest lands there (the screenshots
 * want sessions that are live now: spend today, live findings); the logs are otherwise as the CLI wrote them.
 */
export function prepareWorld(repo, { liveAt } = {}) {
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
  if (liveAt) shiftTimestamps(path.join(claude, 'projects'), liveAt);
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
  // The sessions recorded to have findings, with what the CLI finds in them (same detectors, another process).
  const findingSessions = [];
  for (const scenario of fs.readdirSync(path.join(fixtures, 'claude-real')).filter((d) => /^[ij]-/.test(d)).sort()) {
    const truth = JSON.parse(fs.readFileSync(path.join(fixtures, 'claude-real', scenario, 'truth.json'), 'utf8'));
    for (const { sessionId } of truth.expected.sessions) {
      const session = report.sessions.find((s) => s.sessionId === sessionId);
      if (!session) throw new Error(`${scenario}: session ${sessionId} is not in the CLI report`);
      findingSessions.push({
        scenario,
        sessionId,
        contextTokens: session.contextTokens,
        contextWindow: session.contextWindow,
        findings: (report.findings ?? []).filter((f) => f.sessionId === sessionId),
      });
    }
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
      findingSessions,
    },
    report,
  };
}

/** Every `"timestamp":"…"` of the Claude Code logs under `dir`, moved so that the newest is `liveAt`. */
function shiftTimestamps(dir, liveAt) {
  const files = fs.readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f))).filter((f) => f.endsWith('.jsonl'));
  const stamp = /"timestamp":"(\d{4}-\d\d-\d\dT[^"]+)"/g;
  let newest = -Infinity;
  for (const f of files) for (const m of fs.readFileSync(f, 'utf8').matchAll(stamp)) newest = Math.max(newest, Date.parse(m[1]));
  if (!Number.isFinite(newest)) return;
  const offset = liveAt.getTime() - newest;
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    fs.writeFileSync(f, text.replace(stamp, (_, iso) => `"timestamp":"${new Date(Date.parse(iso) + offset).toISOString()}"`));
  }
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
