// Runs the extension's integration suite (test/vscode/suite) inside a real VS Code: code-server 4.100.3 from npm
// and Debian's Chromium (test/vscode/host). The extension host reads a throw-away copy of the real-CLI fixtures
// (CLAUDE_CONFIG_DIR, CODEX_HOME, AGENT_METER_HOME point there, never at the user's own logs); the oracle is the
// fixtures' truth.json (the real Claude Code's own total_cost_usd) plus `agent-meter report --json` for totals.
// Exit code: 0 pass, 1 fail, 2 timeout. Prints the measured figures (activation, append → status bar latency).
// Usage: node test/vscode/runTests.mjs   (after `npm run build` and `bash test/vscode/host/setup.sh`)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServe } from '../team/serveProcess.mjs';
import { prepareWorld } from './fixtureWorld.mjs';

const repo = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
// The fixtures' clock moved so their newest request was two minutes ago: their findings are live and news (the
// notification tests), their spend is today's. Costs, order and findings are what the CLIs wrote.
const world = prepareWorld(repo, { liveAt: new Date(Date.now() - 2 * 60_000) });
const { work, claude, expected } = world;
const resultsFile = path.join(work, 'results.json');
const expectFile = path.join(work, 'expect.json');

// A real team server (SQLite in the throw-away world) for the team-sync test; tokens from its own CLI. The team's
// daily budget is set below what the fixtures cost, so the panel and status bar must show the team at stop.
const teamServer = await startServe(`sqlite:${path.join(work, 'team.db')}`);
const team = { url: teamServer.url, member: 'dev@example.com', token: teamServer.token('acme', ['--member', 'dev@example.com']), adminToken: teamServer.token('acme', ['--admin']) };
await fetch(`${team.url}/v1/admin/budgets`, {
  method: 'PUT',
  headers: { authorization: `Bearer ${team.adminToken}`, 'content-type': 'application/json' },
  body: JSON.stringify({ scope: 'team', period: 'daily', amountUsd: 0.01 }),
});
fs.writeFileSync(
  expectFile,
  JSON.stringify({
    ...expected,
    work,
    projects: path.join(claude, 'projects'),
    stateDir: world.env.AGENT_METER_HOME,
    resultsFile,
    team,
  }),
);

const extHostLog = path.join(work, 'exthost.log');
const env = {
  ...process.env,
  ...world.env,
  AGENT_METER_TEST_EXPECT: expectFile,
  EXT_HOST_LOG_OUT: extHostLog,
};
const runner = path.join(repo, 'test', 'vscode', 'host', 'runExtensionTests.mjs');
const code = await new Promise((resolve) => {
  spawn(process.execPath, [runner, repo, path.join(repo, 'dist', 'test', 'suite.js'), path.join(work, 'ws')], { env, stdio: 'inherit' }).on('exit', (c) => resolve(c ?? 1));
});

teamServer.stop();
let failed = code !== 0;
// "No errors in the extension host log": nothing at [error] level that names this extension or comes from its code.
const log = fs.existsSync(extHostLog) ? fs.readFileSync(extHostLog, 'utf8') : '';
if (!log) {
  console.error('runTests: the extension host log is empty or missing');
  failed = true;
}
const ours = log.split('\n').filter((l) => /\[error\]/i.test(l) && /agent-meter|agentMeter|Agent Meter|dist\/extension\.js/.test(l));
if (ours.length) {
  console.error(`runTests: ${ours.length} error line(s) from Agent Meter in the extension host log:\n${ours.join('\n')}`);
  failed = true;
}
if (!/agent-meter/i.test(log)) console.log('runTests: note: the extension host log does not mention agent-meter');
if (fs.existsSync(resultsFile)) console.log(`integration figures: ${fs.readFileSync(resultsFile, 'utf8')}`);
if (!failed) fs.rmSync(work, { recursive: true, force: true });
else console.error(`runTests: kept ${work} for inspection`);
process.exit(failed ? (code === 2 ? 2 : 1) : 0);
