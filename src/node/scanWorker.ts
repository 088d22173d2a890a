// Worker thread entry for parallel cold scans (see parallelScan.ts): one message in, one result out, per file.
import { parentPort } from 'node:worker_threads';
import type { LogFile } from './logFiles';
import type { ReadOptions } from './logReader';
import { scanFile } from './parallelScan';

parentPort?.on('message', (msg: { file: LogFile; options: ReadOptions }) => {
  void scanFile(msg.file, msg.options).then(
    (result) => parentPort?.postMessage({ result }),
    (err: unknown) => parentPort?.postMessage({ result: { path: msg.file.path, unreadable: [{ path: msg.file.path, error: String(err) }] } }),
  );
});
