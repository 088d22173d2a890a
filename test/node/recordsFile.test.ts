// The records file round trip: more than one block, non-ASCII keys, free rows.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { RecordTable, TABLE_BLOCK } from '../../src/core/recordTable';
import type { UsageRecord } from '../../src/core/usageRecord';
import { readRecordsFile, writeRecordsFile } from '../../src/node/recordsFile';

const record = (key: string, timestamp: string): UsageRecord => ({
  agent: 'claude-code',
  key,
  sessionId: 's-1',
  agentId: undefined,
  timestamp,
  model: 'claude-sonnet-4-5-20250929',
  project: '/home/dev/démo',
  branch: 'main',
  tokens: { input: 10, output: 20, cacheRead: 30, cacheWrite5m: 40, cacheWrite1h: 50 },
  webSearchRequests: 0,
  fast: false,
  stopReason: 'end_turn',
  contextWindow: undefined,
});

describe('the records file', () => {
  it('reads back every key and timestamp across blocks, non-ASCII ones and free rows included', () => {
    const t = new RecordTable();
    const rows = TABLE_BLOCK.rows + 10; // block 0 all ASCII, block 1 holds non-ASCII keys
    const expected: UsageRecord[] = [];
    for (let i = 0; i < rows; i++) {
      const key = i >= TABLE_BLOCK.rows && i % 3 === 0 ? `msg_ü${i}é:req_✓${i}` : `msg_${i}:req_${i}`;
      const r = record(key, `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00.${String(i % 1000).padStart(3, '0')}Z`);
      t.add(r, 0);
      expected.push(r);
    }
    t.release(5); // a free row in the ASCII block
    t.release(TABLE_BLOCK.rows + 1); // and one in the other
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'am-records-'));
    const file = path.join(dir, 'records-1.bin');
    writeRecordsFile(file, [{ records: { table: t.image(), counted: [0, 1, TABLE_BLOCK.rows + 3] }, files: new Map([[0, '/logs/a.jsonl']]) }]);
    const [back] = readRecordsFile(file);
    assert.ok(back);
    const image = back.records.table;
    assert.equal(image.rows, rows);
    assert.equal(image.keys[5], null);
    assert.equal(image.stamps[TABLE_BLOCK.rows + 1], null);
    const again = new RecordTable(image);
    for (let i = 0; i < rows; i++) {
      if (i === 5 || i === TABLE_BLOCK.rows + 1) continue;
      assert.deepEqual(again.get(i), expected[i], `row ${i}`);
    }
    assert.deepEqual(back.records.counted, [0, 1, TABLE_BLOCK.rows + 3]);
    assert.deepEqual([...back.files], [[0, '/logs/a.jsonl']]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
