// Worker thread entry for parallel cold scans (see parallelScan.ts): one message in, one result out, per file.
import { parentPort } from 'node:worker_threads';
import type { LogFile } from './logFiles';
import type { ReadOptions } from './logReader';
import { scanFile } from './parallelScan';

/** Fault injection for the test of a dying worker: AGENT_METER_TEST_WORKER_DIES_AFTER=N crashes on file N+1. */
const diesAfter = Number(process.env['AGENT_METER_TEST_WORKER_DIES_AFTER'] ?? 'NaN');
let handled = 0;

parentPort?.on('message', (msg: { file: LogFile; options: ReadOptions }) => {
  if (handled++ === diesAfter) throw new Error('worker crash (test fault injection)');
  void scanFile(msg.file, msg.options).then(
    (result) => parentPort?.postMessage({ result }),
    (err: unknown) => parentPort?.postMessage({ result: { path: msg.file.path, unreadable: [{ path: msg.file.path, error: String(err) }] } }),
  );
});
