// "Install Claude Code Budget Guard" / "Remove Claude Code Budget Guard": the VS Code face of src/node/guardInstall.ts.
// The hook command runs this VS Code's own runtime (Electron as Node, or code-server's node) on the extension's
// dist/guard.js, reading the state dir the meter uses. No question is asked when one Claude Code config dir is the
// obvious one; each command also takes the config dir as an argument, for scripts and tests, and returns the result.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { GUARD_MARKER } from '../core/guardHooks';
import { currentRuntime, defaultClaudeConfigDir, describeGuardResult, installGuard, refreshGuard, removeGuard, SETTINGS_FILE, type GuardInstallResult } from '../node/guardInstall';
import { defaultStateDir } from '../node/stateDir';
import { COMMANDS } from './commandIds';

export interface GuardCommandSources {
  /** The state dir the meter writes budget-state.json to (undefined before it started). */
  stateDir: () => string | undefined;
  /** `agentMeter.sources.claudeConfigDirs`: more Claude Code config dirs the user told us about. */
  claudeConfigDirs: () => readonly string[];
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p;
}

const hasGuard = (dir: string) => {
  try {
    return fs.readFileSync(path.join(dir, SETTINGS_FILE), 'utf8').includes(GUARD_MARKER);
  } catch {
    return false;
  }
};

/** Claude Code's default config dir first, then the other existing ones from the environment and the settings. */
function candidateDirs(sources: GuardCommandSources): string[] {
  const fromEnv = (process.env['CLAUDE_CONFIG_DIR'] ?? '').split(',').map((d) => d.trim()).filter(Boolean);
  const others = [...fromEnv, ...sources.claudeConfigDirs().map(expandHome)].filter((d) => fs.existsSync(d));
  return [...new Set([defaultClaudeConfigDir(process.env), ...others].map((d) => path.resolve(d)))];
}

async function pickDir(dirs: string[], title: string): Promise<string | undefined> {
  if (dirs.length <= 1) return dirs[0];
  const home = os.homedir();
  const picked = await vscode.window.showQuickPick(
    dirs.map((d) => ({ label: d.startsWith(home + path.sep) ? `~${d.slice(home.length)}` : d, description: hasGuard(d) ? 'guard installed' : undefined, dir: d })),
    { title, placeHolder: 'Which Claude Code config folder?' },
  );
  return picked?.dir;
}

function report(result: GuardInstallResult): void {
  if (!result.ok) {
    void vscode.window.showErrorMessage(`Agent Meter: ${describeGuardResult(result)}`);
    return;
  }
  const open = 'Open settings.json';
  void vscode.window.showInformationMessage(describeGuardResult(result), open).then(async (pick) => {
    if (pick === open) await vscode.window.showTextDocument(vscode.Uri.file(result.settingsPath));
  });
}

/**
 * At start: an installed guard whose hooks run another Agent Meter (the previous version of this extension, whose
 * folder an update removes) is pointed at this one, so an update does not switch the guard off unnoticed. Folders
 * without the guard are not touched. Returns what was done per folder (tests, the log).
 */
export function refreshInstalledGuards(guardScript: string, sources: GuardCommandSources, log: vscode.LogOutputChannel): GuardInstallResult[] {
  const results: GuardInstallResult[] = [];
  for (const dir of candidateDirs(sources).filter(hasGuard)) {
    const result = refreshGuard({ configDir: dir, guardScript, stateDir: sources.stateDir() ?? defaultStateDir(process.env), ...currentRuntime() });
    results.push(result);
    if (!result.ok) log.warn(describeGuardResult(result));
    else if (result.action === 'updated') log.info(`${describeGuardResult(result)} (it ran another Agent Meter installation)`);
  }
  return results;
}

export function registerGuardCommands(context: vscode.ExtensionContext, sources: GuardCommandSources): void {
  const guardScript = path.join(context.extensionPath, 'dist', 'guard.js');
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.installGuard, async (configDir?: unknown): Promise<GuardInstallResult | undefined> => {
      const dir = typeof configDir === 'string' ? configDir : await pickDir(candidateDirs(sources), 'Agent Meter: Install Claude Code Budget Guard');
      if (!dir) return undefined;
      const result = installGuard({ configDir: dir, guardScript, stateDir: sources.stateDir() ?? defaultStateDir(process.env), ...currentRuntime() });
      report(result);
      return result;
    }),
    vscode.commands.registerCommand(COMMANDS.removeGuard, async (configDir?: unknown): Promise<GuardInstallResult | undefined> => {
      // Only the folders it is installed in are worth asking about.
      const all = candidateDirs(sources);
      const installed = all.filter(hasGuard);
      const dir = typeof configDir === 'string' ? configDir : await pickDir(installed.length ? installed : all.slice(0, 1), 'Agent Meter: Remove Claude Code Budget Guard');
      if (!dir) return undefined;
      const result = removeGuard({ configDir: dir });
      report(result);
      return result;
    }),
  );
}
