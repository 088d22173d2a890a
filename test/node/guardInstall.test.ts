// Installing and removing the budget guard in real settings.json files (temp dirs), through src/node/guardInstall.ts
// and through the CLI (`agent-meter guard`, from the sources), plus the budget state file's round trip.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isGuardHook } from '../../src/core/guardHooks';
import { BUDGET_STATE_HEARTBEAT_MS, budgetStatePath, readBudgetState, writeBudgetState } from '../../src/node/budgetStateFile';
import { BACKUP_SUFFIX, defaultClaudeConfigDir, describeGuardResult, guardCommand, installGuard, refreshGuard, removeGuard, shQuote } from '../../src/node/guardInstall';

let tmp: string;
let configDir: string;
let settingsPath: string;
let guardScript: string;
const stateDir = '/home/dev/.agent-meter';

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-guard-'));
  guardScript = path.join(tmp, 'guard.js');
  fs.writeFileSync(guardScript, '// stands in for dist/guard.js: install only checks that it exists\n');
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeEach(() => {
  configDir = fs.mkdtempSync(path.join(tmp, 'claude-'));
  settingsPath = path.join(configDir, 'settings.json');
});

/** A settings.json as a user might have it: other settings, their own hooks on our events and on others. */
const USER_SETTINGS = `{
  "model": "opus",
  "env": { "ANTHROPIC_API_KEY": "sk-ant-secret" },
  "hooks": {
    "UserPromptSubmit": [{ "hooks": [{ "type": "command", "command": "~/bin/log-prompt.sh" }] }],
    "PreToolUse": [{ "matcher": "Bash", "hooks": [{ "type": "command", "command": "~/bin/check.sh", "timeout": 5 }] }],
    "Stop": [{ "hooks": [{ "type": "command", "command": "notify-send done" }] }]
  },
  "statusLine": { "type": "command", "command": "agent-meter statusline" }
}
`;

const install = (dir = configDir) => installGuard({ configDir: dir, guardScript, stateDir, execPath: '/usr/bin/node', electron: false });
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, any>;
const ours = (settings: Record<string, any>, event: string) =>
  ((settings['hooks']?.[event] ?? []) as { hooks: { command: string }[] }[]).flatMap((g) => g.hooks).filter(isGuardHook);

describe('guard install / remove on real files', () => {
  it('merges into a user\'s settings: other settings and their own hooks kept, a backup of the old file', () => {
    fs.writeFileSync(settingsPath, USER_SETTINGS, { mode: 0o600 });
    const r = install();
    assert.ok(r.ok && r.action === 'installed', JSON.stringify(r));
    assert.equal(r.backupPath, settingsPath + BACKUP_SUFFIX);
    assert.equal(fs.readFileSync(r.backupPath!, 'utf8'), USER_SETTINGS, 'the backup is the previous file, byte for byte');
    const after = readJson(settingsPath);
    const before = JSON.parse(USER_SETTINGS);
    assert.deepEqual(after['env'], before.env);
    assert.deepEqual(after['statusLine'], before.statusLine);
    assert.equal(after['model'], 'opus');
    assert.deepEqual(after['hooks'].Stop, before.hooks.Stop);
    assert.deepEqual(after['hooks'].UserPromptSubmit[0], before.hooks.UserPromptSubmit[0]);
    assert.deepEqual(after['hooks'].PreToolUse[0], before.hooks.PreToolUse[0]);
    assert.equal(ours(after, 'UserPromptSubmit').length, 1);
    assert.equal(ours(after, 'PreToolUse').length, 1);
    assert.equal(after['hooks'].PreToolUse[1].matcher, 'Agent|Task');
    assert.equal(ours(after, 'PreToolUse')[0]!.command, `/usr/bin/node ${shQuote(guardScript)} --agent-meter-guard --state-dir ${stateDir}`);
    // The file may hold API keys: neither it nor the backup becomes readable by others.
    assert.equal(fs.statSync(settingsPath).mode & 0o777, 0o600);
    assert.equal(fs.statSync(r.backupPath!).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(configDir).sort(), ['settings.json', `settings.json${BACKUP_SUFFIX}`], 'no temp files left');
  });

  it('is idempotent: installing twice leaves one entry per event and does not touch the file again', () => {
    fs.writeFileSync(settingsPath, USER_SETTINGS);
    install();
    const once = fs.readFileSync(settingsPath, 'utf8');
    const mtime = fs.statSync(settingsPath).mtimeMs;
    const r = install();
    assert.ok(r.ok && r.action === 'unchanged', JSON.stringify(r));
    assert.equal(r.backupPath, undefined);
    assert.equal(fs.readFileSync(settingsPath, 'utf8'), once);
    assert.equal(fs.statSync(settingsPath).mtimeMs, mtime);
    assert.equal(ours(readJson(settingsPath), 'UserPromptSubmit').length, 1);
    assert.equal(ours(readJson(settingsPath), 'PreToolUse').length, 1);
  });

  it('replaces its own entry when installed again from elsewhere (another state dir)', () => {
    install();
    const r = installGuard({ configDir, guardScript, stateDir: '/srv/meter state', execPath: '/usr/bin/node', electron: false });
    assert.ok(r.ok && r.action === 'updated', JSON.stringify(r));
    const hooks = ours(readJson(settingsPath), 'UserPromptSubmit');
    assert.equal(hooks.length, 1);
    assert.match(hooks[0]!.command, /--state-dir '\/srv\/meter state'$/);
  });

  it('refresh points an installed guard at this installation after an update, and installs nothing where there is none', () => {
    fs.writeFileSync(settingsPath, USER_SETTINGS);
    const before = fs.readFileSync(settingsPath, 'utf8');
    const updatedScript = path.join(tmp, 'agent-meter-0.2.0', 'dist', 'guard.js');
    fs.mkdirSync(path.dirname(updatedScript), { recursive: true });
    fs.writeFileSync(updatedScript, '// the next version\n');
    const refresh = () => refreshGuard({ configDir, guardScript: updatedScript, stateDir, execPath: '/usr/bin/node', electron: false });
    const none = refresh();
    assert.ok(none.ok && none.action === 'absent', JSON.stringify(none));
    assert.equal(fs.readFileSync(settingsPath, 'utf8'), before, 'no guard installed: the file is not touched');
    install();
    const r = refresh();
    assert.ok(r.ok && r.action === 'updated', JSON.stringify(r));
    const hooks = ours(readJson(settingsPath), 'UserPromptSubmit');
    assert.equal(hooks.length, 1);
    assert.ok(hooks[0]!.command.includes(updatedScript), hooks[0]!.command);
    const again = refresh();
    assert.ok(again.ok && again.action === 'unchanged', JSON.stringify(again));
  });

  it('creates settings.json when there is none (no backup), and remove takes it back to empty', () => {
    const r = install();
    assert.ok(r.ok && r.action === 'installed');
    assert.equal(r.backupPath, undefined);
    assert.equal(ours(readJson(settingsPath), 'UserPromptSubmit').length, 1);
    const removed = removeGuard({ configDir });
    assert.ok(removed.ok && removed.action === 'removed');
    assert.deepEqual(readJson(settingsPath), {});
  });

  it('remove takes out only our entries and what only they filled', () => {
    fs.writeFileSync(settingsPath, USER_SETTINGS);
    install();
    // The user adds a hook to our group after the install: it must survive the remove.
    const edited = readJson(settingsPath);
    edited['hooks'].PreToolUse[1].hooks.push({ type: 'command', command: '~/bin/audit-agents.sh' });
    fs.writeFileSync(settingsPath, JSON.stringify(edited));
    const r = removeGuard({ configDir });
    assert.ok(r.ok && r.action === 'removed', JSON.stringify(r));
    const after = readJson(settingsPath);
    const before = JSON.parse(USER_SETTINGS);
    assert.deepEqual(after['hooks'].UserPromptSubmit, before.hooks.UserPromptSubmit);
    assert.deepEqual(after['hooks'].PreToolUse, [before.hooks.PreToolUse[0], { matcher: 'Agent|Task', hooks: [{ type: 'command', command: '~/bin/audit-agents.sh' }] }]);
    assert.deepEqual(after['hooks'].Stop, before.hooks.Stop);
    assert.deepEqual(after['env'], before.env);
    assert.equal(fs.readFileSync(settingsPath + BACKUP_SUFFIX, 'utf8'), JSON.stringify(edited), 'the backup is the file before the remove');
    const again = removeGuard({ configDir });
    assert.ok(again.ok && again.action === 'absent');
  });

  it('install then remove gives back the same settings', () => {
    fs.writeFileSync(settingsPath, USER_SETTINGS);
    install();
    removeGuard({ configDir });
    assert.deepEqual(readJson(settingsPath), JSON.parse(USER_SETTINGS));
  });

  it('never writes a settings.json that is not valid JSON, nor one it cannot merge into', () => {
    for (const text of ['{ "model": "opus", }', '// comment\n{}', '', '[1, 2]', '{"hooks": {"PreToolUse": {"matcher": "x"}}}']) {
      fs.writeFileSync(settingsPath, text);
      const mtime = fs.statSync(settingsPath).mtimeMs;
      for (const r of [install(), removeGuard({ configDir })]) {
        assert.equal(r.ok, false, `${text}: ${JSON.stringify(r)}`);
        if (!r.ok) assert.ok(r.problem === 'invalid-json' || r.problem === 'unmergeable', r.problem);
      }
      assert.equal(fs.readFileSync(settingsPath, 'utf8'), text);
      assert.equal(fs.statSync(settingsPath).mtimeMs, mtime);
      assert.equal(fs.existsSync(settingsPath + BACKUP_SUFFIX), false);
    }
    const r = install();
    assert.ok(!r.ok);
    assert.match(describeGuardResult(r, tmp), /^Budget guard: ~\/claude-\w+\/settings\.json: "hooks.PreToolUse" is not an array; it was left untouched\.$/);
  });

  it('writes through a symlinked settings.json (dotfiles) and keeps the link', () => {
    const real = path.join(tmp, `dotfiles-${path.basename(configDir)}.json`);
    fs.writeFileSync(real, USER_SETTINGS);
    fs.symlinkSync(real, settingsPath);
    const r = install();
    assert.ok(r.ok && r.action === 'installed');
    assert.ok(fs.lstatSync(settingsPath).isSymbolicLink());
    assert.equal(ours(readJson(real), 'UserPromptSubmit').length, 1);
  });

  it('says so when the config dir or the guard script is missing', () => {
    const r = install(path.join(tmp, 'no-such-dir'));
    assert.ok(!r.ok && r.problem === 'no-config-dir');
    const s = installGuard({ configDir, guardScript: path.join(tmp, 'missing.js'), stateDir, execPath: '/usr/bin/node', electron: false });
    assert.ok(!s.ok && s.problem === 'no-guard-script');
    assert.equal(fs.existsSync(settingsPath), false);
  });
});

describe('the hook command line', () => {
  it('quotes for sh, and runs Electron as Node', () => {
    const cmd = guardCommand({ execPath: "/Applications/Visual Studio Code.app/Contents/MacOS/Electron", electron: true, guardScript: "/Users/o'neil/ext/dist/guard.js", stateDir: '/Users/x/.agent-meter' });
    assert.equal(cmd, `ELECTRON_RUN_AS_NODE=1 '/Applications/Visual Studio Code.app/Contents/MacOS/Electron' '/Users/o'\\''neil/ext/dist/guard.js' --agent-meter-guard --state-dir /Users/x/.agent-meter`);
    // sh reads the words back as they were.
    const words = spawnSync('sh', ['-c', `printf '%s\\n' ${cmd.replace('ELECTRON_RUN_AS_NODE=1 ', '')}`], { encoding: 'utf8' }).stdout.trim().split('\n');
    assert.deepEqual(words, ['/Applications/Visual Studio Code.app/Contents/MacOS/Electron', "/Users/o'neil/ext/dist/guard.js", '--agent-meter-guard', '--state-dir', '/Users/x/.agent-meter']);
  });

  it('defaults to the first CLAUDE_CONFIG_DIR entry, else ~/.claude', () => {
    assert.equal(defaultClaudeConfigDir({ CLAUDE_CONFIG_DIR: ' /a/claude , /b/claude' }, '/home/u'), '/a/claude');
    assert.equal(defaultClaudeConfigDir({}, '/home/u'), '/home/u/.claude');
    assert.equal(defaultClaudeConfigDir({ CLAUDE_CONFIG_DIR: '' }, '/home/u'), '/home/u/.claude');
  });
});

describe('agent-meter guard (the CLI from its sources)', () => {
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.resolve('src/cli/entry.ts'), 'guard', ...args], { encoding: 'utf8', timeout: 60_000 });

  it('exits 2 and leaves an invalid settings.json alone, with a clear message', () => {
    fs.writeFileSync(settingsPath, '{"model": "opus",,}');
    const r = cli(['install', '--claude-dir', configDir, '--state-dir', path.join(tmp, 'state')]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /settings\.json is not valid JSON .*left untouched/);
    assert.equal(fs.readFileSync(settingsPath, 'utf8'), '{"model": "opus",,}');
  });

  it('installs and removes, and rejects an unknown action', () => {
    const installed = cli(['install', '--claude-dir', configDir, '--state-dir', path.join(tmp, 'state'), '--json']);
    assert.equal(installed.status, 0, installed.stderr);
    assert.equal(JSON.parse(installed.stdout).action, 'installed');
    assert.match(ours(readJson(settingsPath), 'PreToolUse')[0]!.command, /dist\/guard\.js --agent-meter-guard --state-dir /);
    const removed = cli(['remove', '--claude-dir', configDir]);
    assert.equal(removed.status, 0, removed.stderr);
    assert.match(removed.stdout, /^Budget guard removed from /);
    assert.equal(cli(['uninstall']).status, 2);
  });
});

describe('the budget state file', () => {
  it('round-trips through an atomic write, and readers see what is wrong with a bad one', () => {
    const dir = path.join(tmp, 'state-rt', 'nested');
    const now = new Date('2026-11-23T12:00:00.000Z');
    assert.deepEqual(readBudgetState(dir), { ok: false, problem: 'missing', detail: `${budgetStatePath(dir)} does not exist` });
    const written = writeBudgetState(dir, { state: 'throttle', reason: 'Agent Meter: daily budget at 92% ($9.20 of $10.00).' }, now);
    assert.deepEqual(written, { version: 1, updatedAt: '2026-11-23T12:00:00.000Z', state: 'throttle', reason: 'Agent Meter: daily budget at 92% ($9.20 of $10.00).' });
    assert.deepEqual(readBudgetState(dir), { ok: true, state: written });
    assert.deepEqual(fs.readdirSync(dir), ['budget-state.json'], 'no temp file left');
    fs.writeFileSync(budgetStatePath(dir), '{"version":1,"updatedAt":"yesterday","state":"stop","reason":"x"}');
    const bad = readBudgetState(dir);
    assert.ok(!bad.ok && bad.problem === 'invalid' && /updatedAt/.test(bad.detail), JSON.stringify(bad));
    fs.writeFileSync(budgetStatePath(dir), '{"version":1,');
    assert.equal((readBudgetState(dir) as { problem: string }).problem, 'invalid');
    assert.ok(BUDGET_STATE_HEARTBEAT_MS * 5 <= 10 * 60_000, 'several heartbeats fit in the guard\'s freshness window');
  });
});
