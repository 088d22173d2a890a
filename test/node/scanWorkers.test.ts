// A scan worker started ahead of its scan: answers that arrive before the scan listens are kept for it, and a
// worker that died before then is reported to the scan when it starts listening (its files are then re-read).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ScanWorker, type ScanResult } from '../../src/node/scanWorkers';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'am-scanworkers-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A stand-in worker script: answers each file with an empty result, or dies on the first message. */
function script(name: string, body: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, `const { parentPort } = require('node:worker_threads');\nparentPort.on('message', (msg) => {\n${body}\n});\n`);
  return file;
}

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), `timed out waiting for: ${what}`);
};

describe('a scan worker started ahead', () => {
  it('keeps the answers that come before anyone listens, and hands them over first', async () => {
    const w = new ScanWorker(script('echo.js', 'parentPort.postMessage({ result: { path: msg.file.path, unreadable: [] } });'));
    w.thread.ref();
    w.send({ agent: 'claude-code', path: '/logs/a.jsonl' }, { lastLine: 'wait' });
    w.send({ agent: 'claude-code', path: '/logs/b.jsonl' }, { lastLine: 'wait' });
    await until(() => w.inFlight.length === 0, 'both answers');
    const got: ScanResult[] = [];
    w.listen((r) => got.push(r), () => assert.fail('the worker did not die'));
    assert.deepEqual(got.map((r) => r.path), ['/logs/a.jsonl', '/logs/b.jsonl']);
    w.send({ agent: 'claude-code', path: '/logs/c.jsonl' }, { lastLine: 'wait' });
    await until(() => got.length === 3, 'the answer after listening');
    w.stop();
  });

  it('tells a listener that comes after its death, with the files it was holding still in flight', async () => {
    const w = new ScanWorker(script('dies.js', 'process.exit(3);'));
    w.thread.ref();
    w.send({ agent: 'claude-code', path: '/logs/a.jsonl' }, { lastLine: 'wait' });
    await until(() => w.exited, 'the worker to exit');
    let told = 0;
    w.listen(() => assert.fail('no answer expected'), () => told++);
    assert.equal(told, 1);
    assert.deepEqual(w.inFlight.map((s) => s.file.path), ['/logs/a.jsonl']);
  });
});
