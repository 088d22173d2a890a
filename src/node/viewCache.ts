// Answers a repeated question without loading the ledger. A report depends only on the logs' contents, the
// history the store keeps, the options and the price data. When every log under the roots has the same size,
// mtime and inode as when a report with the same options was last built (the fingerprint), that report is still
// exact: `<state>/views/<key>.json` holds it. Any change to any log, a deleted log, other options or other prices
// give another fingerprint, and the report is built again from the ledger.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import priceData from '../core/priceData.json';
import type { LogFile } from './logFiles';
import type { SourceRoot } from './sourcePaths';
import { writeFileAtomic } from './atomicWrite';

interface CachedView<T> {
  fingerprint: string;
  view: T;
}

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');

/** What a report depends on besides the logs: code, roots, options, price data and override rows (raw text). */
export function reportCacheKey(parts: {
  version: string;
  roots: SourceRoot[];
  options: { timeZone: string; since?: string; until?: string };
  pricingText: string | undefined;
}): string {
  return JSON.stringify({ ...parts, prices: priceData.version });
}

/** Fingerprint of the logs' current state plus what else the view depends on (`key`). */
export function logFingerprint(files: LogFile[], key: string): string {
  const h = createHash('sha1').update(key);
  for (const f of files) {
    try {
      const st = fs.statSync(f.path);
      h.update(`\n${f.path}\t${st.size}\t${st.mtimeMs}\t${st.ino}`);
    } catch {
      h.update(`\n${f.path}\tgone`);
    }
  }
  return h.digest('hex');
}

function fileFor(stateDir: string, key: string): string {
  return path.join(stateDir, 'views', `${sha1(key).slice(0, 16)}.json`);
}

export function readView<T>(stateDir: string, key: string, fingerprint: string): T | undefined {
  try {
    const cached = JSON.parse(fs.readFileSync(fileFor(stateDir, key), 'utf8')) as CachedView<T>;
    return cached.fingerprint === fingerprint ? cached.view : undefined;
  } catch {
    return undefined;
  }
}

export function writeView<T>(stateDir: string, key: string, fingerprint: string, view: T): void {
  const file = fileFor(stateDir, key);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, JSON.stringify({ fingerprint, view } satisfies CachedView<T>), { durable: false });
  } catch {
    // A cache: failing to write it only costs the next run some time.
  }
}
