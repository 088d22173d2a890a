// Who this machine syncs as, when the settings do not say: git's user.email (what teams already use to tell people
// apart), else the OS user name; and the machine's host name.
import { execFile } from 'node:child_process';
import * as os from 'node:os';

/** git config user.email, or undefined (no git, not set, or slower than 2 s). */
export function gitUserEmail(cwd?: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['config', '--get', 'user.email'], { cwd, timeout: 2_000, windowsHide: true }, (err, stdout) => {
      const email = String(stdout ?? '').trim();
      resolve(err || !email ? undefined : email);
    });
  });
}

export async function defaultMember(cwd?: string): Promise<string> {
  const email = await gitUserEmail(cwd);
  if (email) return email;
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

export function machineName(): string {
  return os.hostname() || 'unknown';
}
