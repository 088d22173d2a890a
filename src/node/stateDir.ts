// Where Agent Meter keeps what it learned: `--state-dir`, else $AGENT_METER_HOME, else ~/.agent-meter.
import * as os from 'node:os';
import * as path from 'node:path';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  return env['AGENT_METER_HOME']?.trim() || path.join(home, '.agent-meter');
}
