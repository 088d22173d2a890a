// Cold scans shared between this thread and workers that take files from one queue, some started before the scan:
// answers that arrive before the scan listens are kept for it, a worker that died is reported to it whenever it starts
// listening, and the files such a worker took without answering are read on this thread. Every file counts once.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LogFile } from '../../src/node/logFiles';
import { scanInParallel } from '../../src/node/parallelScan';
import { ScanQueue, ScanWorker } from '../../src/node/scanWorkers';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'am-scanworkers-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A stand-in worker script: `body` runs for each file index `i` it takes from the shared queue. */
function script(name: string, body: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(
    file,
    `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (msg) => {
  const next = new Int32Array(msg.next);
  for (let i = Atomics.add(next, 0, 1); i < msg.files.length; i = Atomics.add(next, 0, 1)) {
${body}
  }
  parentPort.postMessage({ drained: true });
});
`,
  );
  return file;
}
const ECHO = 'parentPort.postMessage({ index: i, result: { path: msg.files[i].path, unreadable: [] } });';

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), `timed out waiting for: ${what}`);
};

const files: LogFile[] = ['a', 'b', 'c', 'd'].map((n) => ({ agent: 'claude-code', path: `/logs/${n}.jsonl` }));
const options = { lastLine: 'wait' } as const;

/** Runs a scan that takes over `started`, and says which files were read here and which came from workers. */
async function scan(started: ScanWorker[]): Promise<{ here: string[]; fromWorkers: string[] }> {
  const here: string[] = [];
  const fromWorkers: string[] = [];
  await scanInParallel(
    files,
    started.length,
    options,
    async (f) => void here.push(f.path),
    (r) => void fromWorkers.push(r.path),
    started,
  );
  return { here, fromWorkers };
}

describe('a cold scan shared with workers started ahead', () => {
  it('takes the answers a worker sent before anyone listened, in order, and reads nothing twice', async () => {
    const w = new ScanWorker(script('echo.js', ECHO));
    w.start(new ScanQueue(files, options));
    // Every file answered, then `drained`: all of it held until the scan listens.
    await until(() => w.kept === files.length + 1, 'the worker to answer every file');
    const { here, fromWorkers } = await scan([w]);
    assert.deepEqual(here, []);
    assert.deepEqual(fromWorkers, files.map((f) => f.path));
  });

  it('reads here the file a worker took before it died, and every other file once', async () => {
    // Takes one file and dies without answering.
    const w = new ScanWorker(script('dies.js', 'process.exit(3);'));
    w.start(new ScanQueue(files, options));
    await until(() => w.exited, 'the worker to exit');
    const { here, fromWorkers } = await scan([w]);
    assert.deepEqual(fromWorkers, []);
    assert.deepEqual([...here].sort(), files.map((f) => f.path));
    // The dead worker's file comes last: it is known only once the queue is empty.
    assert.equal(here.at(-1), '/logs/a.jsonl');
  });

  it('applies a file once when its answer comes twice (a late answer for a file already counted)', async () => {
    const w = new ScanWorker(script('twice.js', `${ECHO}\n${ECHO}`));
    w.start(new ScanQueue(files, options));
    await until(() => w.kept === 2 * files.length + 1, 'the worker to answer every file twice');
    const { here, fromWorkers } = await scan([w]);
    assert.deepEqual(here, []);
    assert.deepEqual(fromWorkers, files.map((f) => f.path));
  });
});
