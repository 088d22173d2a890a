// Where Agent Meter keeps what it learned: `--state-dir`, else $AGENT_METER_HOME, else ~/.agent-meter.
import * as os from 'node:os';
import * as path from 'node:path';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  return env['AGENT_METER_HOME']?.trim() || path.join(home, '.agent-meter');
}

/** The persistent ledger's folder in a state dir (see ledgerStore.ts). */
export function ledgerDir(stateDir: string): string {
  return path.join(stateDir, 'ledger');
}

/** The ledger store's snapshot file name: a store without one has learned nothing yet (its next read is cold). */
export const SNAPSHOT_FILE = 'snapshot.jsonl';
