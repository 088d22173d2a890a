// Where the agents keep their logs (DESIGN.md §2.1). Claude Code: every config dir (`CLAUDE_CONFIG_DIR`, a comma
// list, else ~/.config/claude and ~/.claude), `projects/**/*.jsonl` incl. `<session>/subagents/`. Codex:
// `$CODEX_HOME` (default ~/.codex), `sessions/**` and `archived_sessions/`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AgentKind } from '../core/usageRecord';

/** A folder the scanner walks for one agent's logs. */
export interface SourceRoot {
  agent: AgentKind;
  /** The folder holding `*.jsonl` files (e.g. `<config>/projects`, `<codex home>/sessions`). */
  dir: string;
}

export interface SourceDirs {
  claudeDirs: string[];
  codexDirs: string[];
}

/** The default config dirs from the environment, as the agents themselves resolve them. */
export function defaultSourceDirs(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): SourceDirs {
  const claudeEnv = (env['CLAUDE_CONFIG_DIR'] ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  const claudeDirs = claudeEnv.length ? claudeEnv : [path.join(home, '.config', 'claude'), path.join(home, '.claude')];
  const codexDirs = [env['CODEX_HOME']?.trim() || path.join(home, '.codex')];
  return { claudeDirs, codexDirs };
}

/** Log folders under the given config dirs that exist; duplicates (symlinks) collapse to one. */
export function sourceRoots(dirs: SourceDirs): SourceRoot[] {
  const roots: SourceRoot[] = [];
  const seen = new Set<string>();
  const push = (agent: AgentKind, dir: string) => {
    let real: string;
    try {
      real = fs.realpathSync(dir);
      if (!fs.statSync(real).isDirectory()) return;
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    roots.push({ agent, dir: real });
  };
  for (const d of dirs.claudeDirs) push('claude-code', path.join(d, 'projects'));
  for (const d of dirs.codexDirs) {
    push('codex', path.join(d, 'sessions'));
    push('codex', path.join(d, 'archived_sessions'));
  }
  return roots;
}

/** Explains why an explicitly given dir cannot be used, or undefined when it can. */
export function checkExplicitDir(agent: AgentKind, dir: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return `${dir}: no such directory`;
  }
  if (!stat.isDirectory()) return `${dir}: not a directory`;
  const inner = agent === 'claude-code' ? ['projects'] : ['sessions', 'archived_sessions'];
  if (!inner.some((i) => fs.existsSync(path.join(dir, i)))) {
    return `${dir}: has no ${inner.join('/ or ')}/ folder (expected a ${agent === 'claude-code' ? 'Claude Code config dir such as ~/.claude' : 'CODEX_HOME such as ~/.codex'})`;
  }
  return undefined;
}
