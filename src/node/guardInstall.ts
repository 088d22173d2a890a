// Installing the budget guard into a Claude Code config dir's settings.json, and removing it: find the file, read it,
// merge (core/guardHooks.ts), keep a backup of what was there, write atomically. Shared by `agent-meter guard` and
// the VS Code commands; every outcome, failures included, is a value the caller words for its user.
//
// A settings.json that is not valid JSON is never written: the user's file is theirs to fix. A settings.json that is
// a symlink (dotfiles) is written through the link, and the new file keeps the old one's permissions (it may hold
// API keys in `env`).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GUARD_MARKER, installGuardHooks, removeGuardHooks } from '../core/guardHooks';
import { writeFileAtomicWith } from './atomicWrite';

export const SETTINGS_FILE = 'settings.json';
export const BACKUP_SUFFIX = '.agent-meter.bak';

/** Claude Code's own config dir: the first entry of CLAUDE_CONFIG_DIR, else ~/.claude. */
export function defaultClaudeConfigDir(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  const first = (env['CLAUDE_CONFIG_DIR'] ?? '')
    .split(',')
    .map((d) => d.trim())
    .find(Boolean);
  return first ?? path.join(home, '.claude');
}

/** dist/guard.js beside the running bundle (dist/), or the built one when running from the sources (tests). */
export function bundledGuardScript(moduleDir: string): string | undefined {
  for (const candidate of [path.join(moduleDir, 'guard.js'), path.join(moduleDir, '..', '..', 'dist', 'guard.js')]) {
    if (fs.existsSync(candidate)) return path.resolve(candidate);
  }
  return undefined;
}

export interface GuardCommandOptions {
  /** The runtime: node for the CLI; VS Code's own binary (Electron) or code-server's node for the extension. */
  execPath: string;
  /** The runtime is Electron (process.versions.electron is set): it must be told to act as plain Node. */
  electron: boolean;
  guardScript: string;
  stateDir: string;
}

/** Quotes a word for sh when it needs it. (Windows' cmd quoting is not handled: Claude Code hooks run under sh here.) */
export function shQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The hook command line Claude Code runs through its shell. */
export function guardCommand(o: GuardCommandOptions): string {
  const words = [shQuote(o.execPath), shQuote(o.guardScript), GUARD_MARKER, '--state-dir', shQuote(o.stateDir)];
  return (o.electron ? ['ELECTRON_RUN_AS_NODE=1', ...words] : words).join(' ');
}

/** The options for the process that runs this code (CLI or extension host). */
export function currentRuntime(): Pick<GuardCommandOptions, 'execPath' | 'electron'> {
  return { execPath: process.execPath, electron: Boolean(process.versions['electron']) };
}

export type GuardInstallResult =
  | {
      ok: true;
      /** installed: added; updated: ours replaced (another command); unchanged: already there; removed; absent: none of ours */
      action: 'installed' | 'updated' | 'unchanged' | 'removed' | 'absent';
      settingsPath: string;
      /** The previous file, when there was one and it changed. */
      backupPath?: string;
      command?: string;
    }
  | { ok: false; problem: 'no-config-dir' | 'no-guard-script' | 'invalid-json' | 'unmergeable' | 'io'; settingsPath: string; message: string };

interface SettingsFile {
  settingsPath: string;
  /** Where to write: the symlink's target when settings.json is one. */
  target: string;
  text: string | undefined;
  mode: number | undefined;
}

type Failure = Extract<GuardInstallResult, { ok: false }>;

function readSettings(configDir: string): SettingsFile | Failure {
  const settingsPath = path.join(configDir, SETTINGS_FILE);
  try {
    if (!fs.statSync(configDir).isDirectory()) return { ok: false, problem: 'no-config-dir', settingsPath, message: `${configDir} is not a directory` };
  } catch {
    return { ok: false, problem: 'no-config-dir', settingsPath, message: `${configDir} does not exist (is Claude Code set up? its config dir can be given explicitly)` };
  }
  try {
    const target = fs.realpathSync(settingsPath);
    return { settingsPath, target, text: fs.readFileSync(target, 'utf8'), mode: fs.statSync(target).mode & 0o777 };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { settingsPath, target: settingsPath, text: undefined, mode: undefined };
    return { ok: false, problem: 'io', settingsPath, message: `cannot read ${settingsPath}: ${(err as Error).message}` };
  }
}

function parseSettings(file: SettingsFile): { value: unknown } | Failure {
  if (file.text === undefined) return { value: undefined };
  try {
    return { value: JSON.parse(file.text) as unknown };
  } catch (err) {
    return {
      ok: false,
      problem: 'invalid-json',
      settingsPath: file.settingsPath,
      message: `${file.settingsPath} is not valid JSON (${(err as Error).message}); it was left untouched. Fix it, then try again.`,
    };
  }
}

function writeSettings(file: SettingsFile, settings: unknown): { backupPath?: string } | Failure {
  const write = (to: string, text: string) =>
    writeFileAtomicWith(to, (fd) => {
      if (file.mode !== undefined) fs.fchmodSync(fd, file.mode);
      fs.writeFileSync(fd, text);
    });
  try {
    let backupPath: string | undefined;
    if (file.text !== undefined) {
      backupPath = file.settingsPath + BACKUP_SUFFIX;
      write(backupPath, file.text);
    }
    write(file.target, `${JSON.stringify(settings, null, 2)}\n`);
    return backupPath === undefined ? {} : { backupPath };
  } catch (err) {
    return { ok: false, problem: 'io', settingsPath: file.settingsPath, message: `cannot write ${file.settingsPath}: ${(err as Error).message}` };
  }
}

const isFailure = (v: object): v is Failure => 'ok' in v && v.ok === false;

/** Adds (or refreshes) the guard's hooks in `<configDir>/settings.json`. */
export function installGuard(o: { configDir: string } & GuardCommandOptions): GuardInstallResult {
  const file = readSettings(o.configDir);
  if (isFailure(file)) return file;
  const parsed = parseSettings(file);
  if (isFailure(parsed)) return parsed;
  if (!fs.existsSync(o.guardScript)) {
    return { ok: false, problem: 'no-guard-script', settingsPath: file.settingsPath, message: `the guard script ${o.guardScript} is missing (is Agent Meter built?)` };
  }
  const command = guardCommand({ ...o, stateDir: path.resolve(o.stateDir) });
  const merged = installGuardHooks(parsed.value, command);
  if (!merged.ok) return { ok: false, problem: 'unmergeable', settingsPath: file.settingsPath, message: `${file.settingsPath}: ${merged.problem}; it was left untouched.` };
  if (!merged.changed) return { ok: true, action: 'unchanged', settingsPath: file.settingsPath, command };
  const hadOurs = removeGuardHooks(parsed.value);
  const written = writeSettings(file, merged.settings);
  if (isFailure(written)) return written;
  return { ok: true, action: hadOurs.ok && hadOurs.changed ? 'updated' : 'installed', settingsPath: file.settingsPath, command, ...written };
}

/**
 * Points an installed guard at this installation (`action: 'updated'`), when its hooks run another one: a VS Code
 * extension's path holds its version, so after an update the hooks would run a script that is gone and, failing
 * open, guard nothing. A config dir without our hooks is left alone (`absent`): installing stays the user's choice.
 */
export function refreshGuard(o: { configDir: string } & GuardCommandOptions): GuardInstallResult {
  const file = readSettings(o.configDir);
  if (isFailure(file)) return file;
  if (file.text === undefined || !file.text.includes(GUARD_MARKER)) return { ok: true, action: 'absent', settingsPath: file.settingsPath };
  const parsed = parseSettings(file);
  if (isFailure(parsed)) return parsed;
  const ours = removeGuardHooks(parsed.value);
  if (!ours.ok || !ours.changed) return { ok: true, action: 'absent', settingsPath: file.settingsPath };
  return installGuard(o);
}

/** Removes every hook of ours from `<configDir>/settings.json`, and nothing else. */
export function removeGuard(o: { configDir: string }): GuardInstallResult {
  const file = readSettings(o.configDir);
  if (isFailure(file)) return file;
  if (file.text === undefined) return { ok: true, action: 'absent', settingsPath: file.settingsPath };
  const parsed = parseSettings(file);
  if (isFailure(parsed)) return parsed;
  const removed = removeGuardHooks(parsed.value);
  if (!removed.ok) return { ok: false, problem: 'unmergeable', settingsPath: file.settingsPath, message: `${file.settingsPath}: ${removed.problem}; it was left untouched.` };
  if (!removed.changed) return { ok: true, action: 'absent', settingsPath: file.settingsPath };
  const written = writeSettings(file, removed.settings);
  if (isFailure(written)) return written;
  return { ok: true, action: 'removed', settingsPath: file.settingsPath, ...written };
}

/** One sentence for the user about a result, with the home folder written as ~. */
export function describeGuardResult(r: GuardInstallResult, home = os.homedir()): string {
  const short = (p: string) => (home && (p === home || p.startsWith(home + path.sep)) ? `~${p.slice(home.length)}` : p);
  if (!r.ok) return `Budget guard: ${r.message.split(r.settingsPath).join(short(r.settingsPath))}`;
  const backup = r.backupPath ? ` (backup: ${short(r.backupPath)})` : '';
  const where = short(r.settingsPath);
  switch (r.action) {
    case 'installed':
      return `Budget guard installed in ${where}${backup}.`;
    case 'updated':
      return `Budget guard updated in ${where}${backup}.`;
    case 'unchanged':
      return `Budget guard already installed in ${where}; nothing changed.`;
    case 'removed':
      return `Budget guard removed from ${where}${backup}.`;
    case 'absent':
      return `No budget guard in ${where}; nothing changed.`;
  }
}
