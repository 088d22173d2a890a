// The ledger store's records file (`records-<generation>.bin`): the ledgers' record tables as they are in memory.
// Writing a table is a few large writes and loading it a few large reads, where JSON cost about 150 ms to write
// and 400 ms to read back for 100,000 requests. It is written and read one block at a time, so it never sits in
// memory whole. Layout:
//   "AMRECS02"  8 bytes, format and version
//   u32 LE      length of the JSON header that follows (UTF-8)
//   header      { tables: [{ rows, blocks, strings, free, counted, files: [[id, path], ...] }] }
//   per table   per block: its Float64 columns, its Int32 columns (fixed sizes, TABLE_BLOCK), then u32 LE length +
//               each row's key and timestamp (u32 LE byte length + UTF-8; NONE for a free row); then the counted
//               rows (Int32, `counted` of them)
// A file that does not read back whole throws; the store then rebuilds from the logs.
import * as fs from 'node:fs';
import type { RecordsImage } from '../core/ledger';
import { TABLE_BLOCK } from '../core/recordTable';
import { writeFileAtomicWith, type AtomicWriteOptions } from './atomicWrite';
import { heapCheckpoint } from './youngGeneration';

const MAGIC = 'AMRECS02';
/** Length of a missing string (the key and timestamp of a free row). */
const NONE = 0xffffffff;

/** One ledger's records, with the path of each file id its table uses. */
export interface StoredTable {
  records: RecordsImage;
  files: Map<number, string>;
}

interface HeaderTable {
  rows: number;
  blocks: number;
  strings: string[];
  free: number[];
  counted: number;
  files: [number, string][];
}

const bytesOf = (a: Float64Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Writes `tables` to `file` atomically (temp file, fsync unless `durable` is false, rename). */
export function writeRecordsFile(file: string, tables: StoredTable[], options: AtomicWriteOptions = {}): void {
  const header: { tables: HeaderTable[] } = {
    tables: tables.map(({ records, files }) => {
      const t = records.table;
      return { rows: t.rows, blocks: t.nums.length, strings: t.strings, free: t.free, counted: records.counted.length, files: [...files] };
    }),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const lead = Buffer.alloc(MAGIC.length + 4);
  lead.write(MAGIC, 0, 'latin1');
  lead.writeUInt32LE(json.length, MAGIC.length);
  writeFileAtomicWith(file, (fd) => {
    fs.writeSync(fd, lead);
    fs.writeSync(fd, json);
    let text: Buffer = Buffer.allocUnsafe(1 << 20);
    let at = 4;
    const put = (s: string | null) => {
      if (at + 4 + 3 * (s?.length ?? 0) > text.length) text = grow(text, at + 4 + 3 * (s?.length ?? 0), at);
      const len = s == null ? NONE : text.write(s, at + 4, 'utf8');
      text.writeUInt32LE(len, at);
      at += 4 + (s == null ? 0 : len);
    };
    for (const { records } of tables) {
      const t = records.table;
      for (let b = 0; b < t.nums.length; b++) {
        fs.writeSync(fd, bytesOf(t.nums[b]!));
        fs.writeSync(fd, bytesOf(t.ints[b]!));
        at = 4;
        const end = Math.min(t.rows, (b + 1) * TABLE_BLOCK.rows);
        for (let row = b * TABLE_BLOCK.rows; row < end; row++) {
          put(t.keys[row] ?? null);
          put(t.stamps[row] ?? null);
        }
        text.writeUInt32LE(at - 4, 0);
        fs.writeSync(fd, text, 0, at);
      }
      fs.writeSync(fd, bytesOf(Int32Array.from(records.counted)));
    }
  }, options);
}

function grow(buf: Buffer, need: number, used: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
  buf.copy(bigger, 0, 0, used);
  return bigger;
}

/** Reads a records file written by writeRecordsFile; throws when it is not one or does not read back whole. */
export function readRecordsFile(file: string): StoredTable[] {
  const fd = fs.openSync(file, 'r');
  try {
    const lead = Buffer.alloc(MAGIC.length + 4);
    let offset = readExactly(fd, lead, 0);
    if (lead.toString('latin1', 0, MAGIC.length) !== MAGIC) throw new Error('not a records file');
    const json = Buffer.alloc(lead.readUInt32LE(MAGIC.length));
    offset = readExactly(fd, json, offset);
    const header = JSON.parse(json.toString('utf8')) as { tables?: HeaderTable[] };
    if (!Array.isArray(header.tables)) throw new Error('records file header has no tables');
    const length = Buffer.alloc(4);
    return header.tables.map((h) => {
      if (!Number.isInteger(h.rows) || h.blocks !== Math.ceil(h.rows / TABLE_BLOCK.rows)) throw new Error('records file header does not match its tables');
      const nums: Float64Array[] = [];
      const ints: Int32Array[] = [];
      const keys: (string | null)[] = [];
      const stamps: (string | null)[] = [];
      for (let b = 0; b < h.blocks; b++) {
        heapCheckpoint();
        const n = new Float64Array(TABLE_BLOCK.nums);
        offset = readExactly(fd, bytesOf(n), offset);
        const i = new Int32Array(TABLE_BLOCK.ints);
        offset = readExactly(fd, bytesOf(i), offset);
        nums.push(n);
        ints.push(i);
        offset = readExactly(fd, length, offset);
        const text = Buffer.allocUnsafe(length.readUInt32LE(0));
        offset = readExactly(fd, text, offset);
        const rows = Math.min(TABLE_BLOCK.rows, h.rows - b * TABLE_BLOCK.rows);
        let at = 0;
        for (let r = 0; r < rows; r++) {
          for (const into of [keys, stamps]) {
            if (at + 4 > text.length) throw new Error('records file block is cut short');
            const len = text.readUInt32LE(at);
            at += 4;
            if (len === NONE) into.push(null);
            else {
              if (at + len > text.length) throw new Error('records file block is cut short');
              into.push(text.toString('utf8', at, at + len));
              at += len;
            }
          }
        }
      }
      const counted = new Int32Array(h.counted);
      offset = readExactly(fd, bytesOf(counted), offset);
      const table = { rows: h.rows, nums, ints, keys, stamps, strings: h.strings, free: h.free };
      return { records: { table, counted: Array.from(counted) }, files: new Map(h.files) };
    });
  } finally {
    fs.closeSync(fd);
  }
}

/** Fills `into` from `offset`; returns the offset after it. */
function readExactly(fd: number, into: Uint8Array, offset: number): number {
  let got = 0;
  while (got < into.length) {
    const n = fs.readSync(fd, into, got, into.length - got, offset + got);
    if (n === 0) throw new Error('records file is cut short');
    got += n;
  }
  return offset + got;
}
