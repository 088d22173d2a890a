// Run an extension's integration tests inside code-server's real Node extension host (VS Code 1.100.3).
// Usage: node runExtensionTests.mjs <extensionDevelopmentPath> <extensionTestsPath.js exporting run()> [workspaceFolder]
// Exit: 0 all passed, 1 failed or error, 2 timeout (TEST_TIMEOUT_MS, default 180000).
// Env: EXT_HOST_LOG_OUT=<file> gets the extension host log(s); TEST_SCREENSHOT=<png> saves the final window.
import fs from 'node:fs';
import path from 'node:path';
import { CODE_SERVER, CHROMIUM, startCodeServer, launchChromium, openWorkbench } from './csHarness.mjs';

const [devPath, testsPath, folder] = process.argv.slice(2).map((p) => p && path.resolve(p));
if (!devPath || !testsPath) {
  console.error('usage: node runExtensionTests.mjs <extensionDevelopmentPath> <extensionTestsPath.js> [workspaceFolder]');
  process.exit(1);
}
for (const [p, what] of [[devPath, 'extensionDevelopmentPath'], [testsPath, 'extensionTestsPath'], [folder, 'workspaceFolder']]) {
  if (p && !fs.existsSync(p)) { console.error(`runExtensionTests: ${what} ${p} does not exist`); process.exit(1); }
}
for (const [p, fix] of [[CODE_SERVER, `run ${path.join(import.meta.dirname, 'setup.sh')}`], [CHROMIUM, 'install chromium: sudo apt-get install chromium']]) {
  if (!fs.existsSync(p)) { console.error(`runExtensionTests: ${p} missing; ${fix}`); process.exit(1); }
}

const timeoutMs = Number(process.env.TEST_TIMEOUT_MS ?? 180000);
const t0 = Date.now();
const lap = (m) => console.log(`[runner ${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The extension's own output-channel logs (exthostN/<publisher.name>/*.log) count as its extension host log too.
let extId;
try {
  const pj = JSON.parse(fs.readFileSync(path.join(devPath, 'package.json'), 'utf8'));
  extId = `${pj.publisher}.${pj.name}`;
} catch {}

let timer;
const timedOut = new Promise((r) => { timer = setTimeout(() => r('timeout'), timeoutMs); });

let cs, browser, code = 1, failure; // code: the workbench's exit code, or 'timeout'
try {
  cs = await Promise.race([startCodeServer({ folder: folder ?? devPath }), timedOut.then(() => { throw new Error('timeout starting code-server'); })]);
  lap(`code-server listening on ${cs.authority}`);
  browser = await launchChromium();
  let exit;
  const exited = new Promise((r) => (exit = r));
  const page = await Promise.race([
    openWorkbench(cs, browser, { devPath, testsPath, onExit: (c) => exit(c), timeout: timeoutMs }),
    timedOut.then(() => { throw new Error('timeout loading the workbench'); }),
  ]);
  page.on('crash', () => exit(1));
  lap('workbench loaded, tests running in the extension host');
  code = await Promise.race([exited, timedOut]);
  if (process.env.TEST_SCREENSHOT) await page.screenshot({ path: process.env.TEST_SCREENSHOT }).catch(() => {});
  lap(code === 'timeout' ? `TIMEOUT after ${timeoutMs} ms waiting for the extension tests` : `extension tests ended with code ${code}`);
} catch (e) {
  failure = e;
  code = /^timeout/.test(e.message) ? 'timeout' : 1;
  lap(`ERROR: ${e.message}`);
} finally {
  clearTimeout(timer);
  await browser?.close().catch(() => {});
  if (cs) {
    // After a normal end the extension host has been told to terminate; let it write its last lines.
    for (let i = 0; code !== 'timeout' && i < 30 && !/Extension host with pid \d+ exiting/.test(readLogSafe(cs)); i++) await sleep(100);
    const extLog = readLogSafe(cs);
    const errors = extLog.split('\n').filter((l) => /\[error\]/.test(l));
    if (errors.length) console.log(`--- extension host [error] lines (${errors.length}) ---\n${errors.join('\n')}`);
    if (process.env.EXT_HOST_LOG_OUT) {
      fs.mkdirSync(path.dirname(path.resolve(process.env.EXT_HOST_LOG_OUT)), { recursive: true });
      fs.writeFileSync(process.env.EXT_HOST_LOG_OUT, extLog);
    }
    await cs.stop();
    if (code !== 0) console.error('--- code-server log ---\n' + cs.log);
  }
  if (failure && !/^timeout/.test(failure.message)) console.error(failure);
}
process.exit(code === 0 ? 0 : code === 'timeout' ? 2 : 1);

function readLogSafe(server) {
  try { return server.extHostLog({ extensionIds: extId ? [extId] : [] }); } catch { return ''; }
}
