// Worker thread entry for parallel cold scans (see parallelScan.ts): takes files from the shared queue it is sent
// until none are left, posting one result per file, then `drained`.
import { parentPort } from 'node:worker_threads';
import type { LogFile } from './logFiles';
import type { ReadOptions } from './logReader';
import { scanFile } from './parallelScan';
import { ScanQueue, type WorkerMessage } from './scanWorkers';

/** Fault injection for the test of a dying worker: AGENT_METER_TEST_WORKER_DIES_AFTER=N crashes on file N+1. */
const diesAfter = Number(process.env['AGENT_METER_TEST_WORKER_DIES_AFTER'] ?? 'NaN');
let handled = 0;

const post = (msg: WorkerMessage) => parentPort?.postMessage(msg);

parentPort?.on('message', (msg: { files: LogFile[]; options: ReadOptions; next: SharedArrayBuffer }) => {
  void (async () => {
    const queue = new ScanQueue(msg.files, msg.options, msg.next);
    for (let i = queue.take(); i !== -1; i = queue.take()) {
      if (handled++ === diesAfter) throw new Error('worker crash (test fault injection)');
      const file = msg.files[i]!;
      const result = await scanFile(file, msg.options).catch(
        (err: unknown) => ({ path: file.path, unreadable: [{ path: file.path, error: String(err) }] }),
      );
      post({ index: i, result });
    }
    post({ drained: true });
  })();
});
