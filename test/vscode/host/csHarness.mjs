// Real VS Code for tests: code-server (VS Code 1.100.3, Node extension host) + Debian Chromium via playwright-core.
// Everything binds to 127.0.0.1 and lives in a throw-away directory that stop() deletes.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

// Resolved next to this file so the scripts work from any cwd; env vars override for other installs.
export const CODE_SERVER = process.env.CODE_SERVER ?? fileURLToPath(new URL('./node_modules/.bin/code-server', import.meta.url));
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// Theme ids shipped in VS Code 1.100's lib/vscode/extensions/theme-defaults/package.json.
export const THEMES = Object.freeze({
  light: 'Default Light Modern',
  dark: 'Default Dark Modern',
  lightPlus: 'Default Light+',
  darkPlus: 'Default Dark+',
  highContrast: 'Default High Contrast',
  highContrastLight: 'Default High Contrast Light',
});

const BASE_SETTINGS = {
  'workbench.startupEditor': 'none', // else a "Walkthrough: Setup VS Code Web" tab opens and ends up in screenshots
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'update.mode': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'chat.commandCenter.enabled': false,
};

// Inherited variables that would make code-server bind elsewhere, ask for a password, or hand the folder to
// an already running instance (VSCODE_IPC_HOOK_CLI is set in any VS Code / code-server terminal).
const STRIPPED_ENV = /^(VSCODE_|CODE_SERVER_|CS_)|^(PORT|PASSWORD|HASHED_PASSWORD|GITHUB_TOKEN)$/;

const freePort = () => new Promise((res, rej) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }).on('error', rej);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const listFiles = (dir) => {
  let out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out = out.concat(listFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
};

/**
 * Start code-server with a throw-away profile.
 * @param {{ folder?: string, vsix?: string[], settings?: object, env?: Record<string,string> }} [opts]
 *   env is merged into code-server's environment; the extension host inherits it (fixture dirs etc.).
 */
export async function startCodeServer({ folder, vsix = [], settings = {}, env: extraEnv = {} } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-'));
  const port = await freePort();
  const ud = path.join(tmp, 'ud'), ext = path.join(tmp, 'ext'), tmpdir = path.join(tmp, 'tmp');
  const settingsFile = path.join(ud, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
  fs.mkdirSync(tmpdir);
  fs.writeFileSync(settingsFile, JSON.stringify({ ...BASE_SETTINGS, ...settings }, null, 1));
  // Own config file: without --config code-server writes ~/.config/code-server/config.yaml on first run.
  fs.writeFileSync(path.join(tmp, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !STRIPPED_ENV.test(k)));
  // EXTENSIONS_GALLERY='{}' disables the default Open VSX gallery (no open-vsx.org lookups).
  // TMPDIR inside the throw-away dir: the extension host drops vscode-ipc-*.sock / vscode-git-*.sock there.
  const env = { EXTENSIONS_GALLERY: '{}', ...inherited, ...extraEnv, TMPDIR: tmpdir };
  const common = ['--config', path.join(tmp, 'config.yaml'), '--user-data-dir', ud, '--extensions-dir', ext];
  try {
    for (const v of vsix) {
      await new Promise((res, rej) => spawn(CODE_SERVER, [...common, '--install-extension', path.resolve(v)], { stdio: 'inherit', env })
        .on('error', rej)
        .on('exit', (c) => (c === 0 ? res() : rej(new Error(`--install-extension ${v} exited ${c}`)))));
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const args = [...common, '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened'];
  if (folder) args.push(path.resolve(folder));
  // detached: own process group, so stop() can kill the extension host / pty host / file watcher with it.
  const proc = spawn(CODE_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
  let log = '';
  let spawnError;
  proc.on('error', (e) => (spawnError = e));
  proc.stdout.on('data', (d) => (log += d));
  proc.stderr.on('data', (d) => (log += d));
  // 'error' too: a failed spawn (missing binary) never emits 'exit'.
  const exited = new Promise((r) => { proc.once('exit', r); proc.once('error', r); });

  const stop = async () => {
    if (proc.pid && proc.exitCode === null && proc.signalCode === null) {
      try { process.kill(-proc.pid, 'SIGTERM'); } catch {}
      let timer;
      const killed = await Promise.race([exited.then(() => true), new Promise((r) => { timer = setTimeout(r, 5000, false); })]);
      clearTimeout(timer); // a pending timer would keep the caller's process alive for 5 s
      if (!killed) { try { process.kill(-proc.pid, 'SIGKILL'); } catch {} await exited; }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };

  for (let i = 0; i < 600 && !log.includes('HTTP server listening'); i++) {
    if (spawnError || proc.exitCode !== null) {
      await stop();
      throw new Error(`code-server did not start (${spawnError?.message ?? `exit ${proc.exitCode}`}):\n${log}`);
    }
    await sleep(100);
  }
  if (!log.includes('HTTP server listening')) { await stop(); throw new Error('code-server did not listen within 60 s:\n' + log); }

  const authority = `127.0.0.1:${port}`;
  return {
    port, authority, tmp, userDataDir: ud, extensionsDir: ext, settingsFile, proc,
    get log() { return log; },
    /** vscode-remote URI of a local path, as the remote (Node) extension host expects it. */
    remoteUri: (p) => `vscode-remote://${authority}${path.resolve(p)}`,
    url({ folder: f = folder, payload } = {}) {
      const q = [];
      if (f) q.push(`folder=${encodeURIComponent(path.resolve(f))}`);
      if (payload) q.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
      return `http://${authority}/${q.length ? `?${q.join('&')}` : ''}`;
    },
    /** Merge keys into User/settings.json; takes effect for workbench pages opened afterwards. */
    updateSettings(patch) {
      const cur = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
      fs.writeFileSync(settingsFile, JSON.stringify({ ...cur, ...patch }, null, 1));
    },
    /**
     * Extension host log files written so far: exthostN/remoteexthost.log (activation, errors, uncaught exceptions)
     * plus, for each given extension id, its own log output channels under exthostN/<publisher.name>/.
     * code-server 4.100.3 puts them in <user-data-dir>/logs/<yyyymmddThhmmss>/exthostN/.
     */
    extHostLogFiles({ extensionIds = [] } = {}) {
      const logs = path.join(ud, 'logs');
      if (!fs.existsSync(logs)) return [];
      const ids = new Set(extensionIds.map((i) => i.toLowerCase()));
      return listFiles(logs).filter((f) => {
        const dir = path.basename(path.dirname(f)), up = path.basename(path.dirname(path.dirname(f)));
        return (/^exthost\d+$/.test(dir) && /exthost/i.test(path.basename(f))) || (/^exthost\d+$/.test(up) && ids.has(dir.toLowerCase()));
      }).sort();
    },
    /** Concatenated extension host logs, each file introduced by a "==> path <==" header. */
    extHostLog(opts) {
      return this.extHostLogFiles(opts).map((f) => `==> ${path.relative(ud, f)} <==\n${fs.readFileSync(f, 'utf8')}`).join('\n');
    },
    stop,
  };
}

/** Launch Debian's Chromium headless (HEADED=1 for a window, e.g. under xvfb-run); it resolves only 127.0.0.1. */
export async function launchChromium({ headless = process.env.HEADED !== '1' } = {}) {
  return chromium.launch({
    executablePath: CHROMIUM, headless,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      // no DNS at all: stops Chromium's own update/account pings, which the flags above do not
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
      ...(process.env.CHROMIUM_EXTRA_ARGS ? process.env.CHROMIUM_EXTRA_ARGS.split(' ') : [])],
  });
}

/**
 * Open the workbench in a fresh browser context and wait until it has rendered.
 * devPath loads a folder as Extension Development Host; testsPath (a .js exporting run()) runs it as
 * --extensionTestsPath would, and the workbench then reports through onExit(code).
 * @param {Awaited<ReturnType<typeof startCodeServer>>} cs
 * @param {import('playwright-core').Browser} browser
 * @param {{ devPath?: string, testsPath?: string, folder?: string, viewport?: {width:number,height:number},
 *   colorTheme?: string, onExit?: (code:number)=>void, onLog?: (type:string, args:unknown[])=>void, timeout?: number }} [opts]
 * @returns {Promise<import('playwright-core').Page>}
 */
export async function openWorkbench(cs, browser, {
  devPath, testsPath, folder, viewport = { width: 1280, height: 800 }, colorTheme,
  onExit = () => {}, onLog = (type, args) => (console[type] ?? console.log)(...args), timeout = 60000,
} = {}) {
  // The theme is a user setting read at workbench load; the fresh context has no cached theme in localStorage.
  if (colorTheme) cs.updateSettings({ 'workbench.colorTheme': colorTheme });
  const page = await browser.newPage({ viewport });
  // Must exist before the workbench boots: it looks these up when the extension tests end.
  await page.exposeFunction('codeAutomationLog', onLog);
  await page.exposeFunction('codeAutomationExit', onExit);
  const payload = [];
  if (devPath) payload.push(['extensionDevelopmentPath', cs.remoteUri(devPath)]);
  if (testsPath) payload.push(['extensionTestsPath', cs.remoteUri(testsPath)]);
  await page.goto(cs.url({ ...(folder ? { folder } : {}), payload: payload.length ? payload : undefined }));
  await page.locator('.monaco-workbench').waitFor({ timeout });
  return page;
}

/** Run a command from the palette (F1) by its exact "Category: Title" label, e.g. "Agent Meter: Show Dashboard". */
export async function runCommand(page, title, { timeout = 10000 } = {}) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout });
  await input.fill('>' + title);
  // Exact label match: Enter on the first row could run a longer, recently used command with the same prefix.
  const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
  await row.waitFor({ timeout });
  await row.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout });
}
