// `npm start`: builds, then opens a real VS Code with Agent Meter loaded on your own agent logs.
// Desktop VS Code (`code` on PATH): a new window with --extensionDevelopmentPath. Otherwise code-server from npm
// (test/vscode/host, installed on first use) on 127.0.0.1, printing the URL to open; Ctrl-C stops it.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const folder = path.resolve(process.argv[2] ?? process.cwd());

execFileSync(process.execPath, [path.join(repo, 'esbuild.js')], { cwd: repo, stdio: 'inherit' });

const hasCode = spawnSync(process.platform === 'win32' ? 'where' : 'which', ['code'], { stdio: 'ignore' }).status === 0;
if (hasCode && !process.env.AGENT_METER_USE_CODE_SERVER) {
  console.log(`Opening VS Code with Agent Meter (development build from ${repo}) on ${folder}`);
  const r = spawnSync('code', ['--new-window', `--extensionDevelopmentPath=${repo}`, folder], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

// No desktop VS Code: code-server, installed from npm by the test host's setup (also used by `npm test`).
const setup = path.join(repo, 'test', 'vscode', 'host', 'setup.sh');
const r = spawnSync('bash', [setup], { stdio: 'inherit', env: { ...process.env, SETUP_NO_BROWSER: '1' } });
if (r.status !== 0) {
  console.error('npm start: could not install code-server (see above); install VS Code and put `code` on PATH instead');
  process.exit(r.status ?? 1);
}
const { startCodeServer } = await import('./../test/vscode/host/csHarness.mjs');
// The extension host inherits this environment: your CLAUDE_CONFIG_DIR / CODEX_HOME / AGENT_METER_HOME apply.
const cs = await startCodeServer({ folder, env: { HOME: os.homedir() } });
const url = cs.url({ folder, payload: [['extensionDevelopmentPath', cs.remoteUri(repo)]] });
console.log(`\nAgent Meter is loaded in code-server (VS Code ${readVersion()}). Open this URL in a browser on this machine:\n\n  ${url}\n`);
console.log('It listens on 127.0.0.1 only. Press Ctrl-C to stop.');
await new Promise((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
  cs.proc.once('exit', resolve);
});
await cs.stop();

function readVersion() {
  try {
    return JSON.parse(fs.readFileSync(path.join(repo, 'test', 'vscode', 'host', 'node_modules', 'code-server', 'lib', 'vscode', 'package.json'), 'utf8')).version;
  } catch {
    return '1.100';
  }
}
