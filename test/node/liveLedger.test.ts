// The live, persistent ledger on real files in temp dirs: incremental reads, the shapes files change in (half
// lines, truncation, rotation, deletion, new folders), restarts that read only new bytes, a damaged store.
import assert from 'node:assert/strict';
import fsModule, * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { PriceTable } from '../../src/core/pricing';
import { LedgerStore, STORE_VERSION } from '../../src/node/ledgerStore';
import { Meter } from '../../src/node/meter';
import { sourceRoots } from '../../src/node/sourcePaths';
import { LogTailer } from '../../src/node/tailer';
import { WriterLock } from '../../src/node/writerLock';
import { assistantLine } from '../helpers/logLines';

const usage = (input: number, output: number) => ({ input_tokens: input, output_tokens: output, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
const line = (id: string, input: number, session = 's-1') => `${assistantLine({ id, requestId: `req_${id}`, sessionId: session, usage: usage(input, 1) })}\n`;

let tmp: string;
let claudeDir: string;
let projectDir: string;
let stateDir: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-live-'));
  claudeDir = path.join(tmp, 'claude');
  projectDir = path.join(claudeDir, 'projects', '-home-dev-demo');
  stateDir = path.join(tmp, 'state');
  fs.mkdirSync(projectDir, { recursive: true });
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

function meter(opts: { state?: boolean; live?: boolean } = {}): Meter {
  return new Meter({
    roots: sourceRoots({ claudeDirs: [claudeDir], codexDirs: [] }),
    stateDir: opts.state === false ? undefined : stateDir,
    workers: 0,
    live: opts.live ? { prices: new PriceTable(), timeZone: 'UTC' } : undefined,
  });
}

const inputOf = (m: Meter) => [...m.ledger.records.values()].reduce((a, r) => a + r.tokens.input, 0);

describe('incremental reads', () => {
  it('leaves a half-written line until its newline arrives, then counts it once', async () => {
    const file = path.join(projectDir, 's-1.jsonl');
    const whole = line('m1', 100);
    fs.writeFileSync(file, line('m0', 10) + whole.slice(0, 50));
    const m = meter({ state: false });
    await m.catchUp();
    assert.equal(m.ledger.records.size, 1);
    assert.deepEqual(m.ledger.diagnostics.rejected, {});
    fs.appendFileSync(file, whole.slice(50));
    await m.catchUp();
    assert.equal(m.ledger.records.size, 2);
    assert.equal(inputOf(m), 110);
    assert.equal(m.ledger.diagnostics.lines, 2);
  });

  it('a complete last object without its newline counts once, and again-seen bytes do not double it', async () => {
    const file = path.join(projectDir, 's-1.jsonl');
    fs.writeFileSync(file, line('m1', 100).trimEnd());
    const m = meter({ state: false });
    await m.catchUp();
    assert.equal(m.ledger.records.size, 1);
    fs.appendFileSync(file, `\n${line('m2', 5)}`);
    await m.catchUp();
    assert.equal(inputOf(m), 105);
    assert.equal(m.ledger.diagnostics.lines, 2);
  });

  it('re-reads a truncated and rewritten file and replaces its records', async () => {
    const file = path.join(projectDir, 's-1.jsonl');
    fs.writeFileSync(file, line('a', 1) + line('b', 2) + line('c', 4));
    const m = meter({ state: false });
    await m.catchUp();
    assert.equal(inputOf(m), 7);
    fs.truncateSync(file, 0);
    fs.writeFileSync(file, line('d', 100));
    await m.catchUp();
    assert.equal(m.ledger.records.size, 1);
    assert.equal(inputOf(m), 100);
    assert.equal(m.ledger.diagnostics.lines, 1);
  });

  it('re-reads a file replaced by another inode (rotation) without counting anything twice', async () => {
    const file = path.join(projectDir, 's-1.jsonl');
    fs.writeFileSync(file, line('a', 1) + line('b', 2));
    const m = meter({ state: false });
    await m.catchUp();
    const before = fs.statSync(file).ino;
    const next = path.join(projectDir, 'tmp.next');
    fs.writeFileSync(next, line('a', 1) + line('b', 2) + line('c', 4));
    fs.renameSync(next, file);
    assert.notEqual(fs.statSync(file).ino, before);
    await m.catchUp();
    assert.equal(m.ledger.records.size, 3);
    assert.equal(inputOf(m), 7);
  });

  it('keeps the records of a deleted log, across restarts', async () => {
    const file = path.join(projectDir, 's-1.jsonl');
    fs.writeFileSync(file, line('a', 1) + line('b', 2));
    const first = meter();
    first.open();
    await first.catchUp();
    first.close();
    fs.rmSync(file);
    const second = meter();
    second.open();
    await second.catchUp();
    assert.equal(inputOf(second), 3);
    assert.equal(second.checkpoints.get(fs.realpathSync(projectDir) + path.sep + 's-1.jsonl')?.deleted, true);
    second.close();
    const third = meter();
    third.open();
    await third.catchUp();
    assert.equal(inputOf(third), 3);
    third.close();
  });

  it('restarts read only the bytes they have not seen', async () => {
    const file = path.join(projectDir, 's-1.jsonl');
    fs.writeFileSync(file, line('a', 1) + line('b', 2));
    const first = meter();
    first.open();
    const cold = await first.catchUp();
    first.close();
    assert.equal(cold.bytesRead, fs.statSync(file).size);
    const appended = line('c', 4);
    fs.appendFileSync(file, appended);
    const second = meter();
    second.open();
    const warm = await second.catchUp();
    assert.equal(warm.bytesRead, Buffer.byteLength(appended));
    assert.equal(inputOf(second), 7);
    const idle = await second.catchUp();
    assert.equal(idle.bytesRead, 0);
    assert.equal(idle.changed, false);
    second.close();
  });
});

describe('the tailer', () => {
  it('follows appends, new files and new folders', async () => {
    fs.writeFileSync(path.join(projectDir, 's-1.jsonl'), line('a', 1));
    const m = meter({ live: true });
    m.open();
    await m.catchUp();
    const updates: number[] = [];
    const tailer = new LogTailer(m, [fs.realpathSync(path.join(claudeDir, 'projects'))], { onUpdate: () => updates.push(m.live!.requests), rescanMs: 0 });
    await tailer.start();
    const until = async (n: number) => {
      for (let i = 0; i < 200 && m.live!.requests < n; i++) await new Promise((r) => setTimeout(r, 25));
      await tailer.idle();
    };
    try {
      fs.appendFileSync(path.join(projectDir, 's-1.jsonl'), line('b', 2));
      await until(2);
      assert.equal(m.live!.requests, 2);
      const newDir = path.join(claudeDir, 'projects', '-home-dev-other', 's-2', 'subagents');
      fs.mkdirSync(newDir, { recursive: true });
      await new Promise((r) => setTimeout(r, 100)); // the watcher picks the folder up
      fs.writeFileSync(path.join(newDir, 'agent-a1b2c3d4e5f6a7b8c.jsonl'), line('c', 4, 's-2'));
      await until(3);
      assert.equal(m.live!.requests, 3);
      assert.equal(m.live!.sessions.get('s-2')?.requests, 1);
      assert.ok(updates.length >= 2);
    } finally {
      await tailer.close();
      m.close();
    }
    // What the tailer saw was persisted by the writer.
    const again = meter();
    again.open();
    await again.catchUp();
    assert.equal(inputOf(again), 7);
    again.close();
  });
});

describe('the store', () => {
  async function seed(): Promise<void> {
    fs.writeFileSync(path.join(projectDir, 's-1.jsonl'), line('a', 1) + line('b', 2) + line('c', 4));
    const m = meter();
    m.open();
    await m.catchUp();
    m.close();
  }

  /** A meter on the damaged store: it says so, rebuilds from the logs and counts them exactly. */
  async function assertRebuilt(): Promise<void> {
    const m = meter();
    m.open();
    assert.match(m.warnings.join('\n'), /corrupt; rebuilding from the logs/);
    await m.catchUp();
    assert.equal(inputOf(m), 7);
    m.close();
  }

  it('rebuilds a corrupt snapshot from the logs with a warning', async () => {
    await seed();
    fs.writeFileSync(path.join(stateDir, 'ledger', 'snapshot.jsonl'), `{"format":"agent-meter-ledger","version":${STORE_VERSION},"generation":1}\n{"path":"x","items":[["u",`);
    await assertRebuilt();
    const again = meter();
    again.open();
    assert.deepEqual(again.warnings, []);
    assert.equal(inputOf(again), 7);
    again.close();
  });

  it('rebuilds a store of another version', async () => {
    await seed();
    const file = path.join(stateDir, 'ledger', 'snapshot.jsonl');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(`"version":${STORE_VERSION}`, '"version":999'));
    const m = meter();
    m.open();
    assert.match(m.warnings.join('\n'), /another format or version/);
    await m.catchUp();
    assert.equal(inputOf(m), 7);
    m.close();
  });

  it('ignores a torn journal line: its bytes are read again from the logs', async () => {
    await seed();
    fs.appendFileSync(path.join(projectDir, 's-1.jsonl'), line('d', 8));
    const m = meter();
    m.open();
    await m.catchUp(); // journals d
    m.close();
    const journal = path.join(stateDir, 'ledger', 'journal.jsonl');
    const text = fs.readFileSync(journal, 'utf8');
    fs.writeFileSync(journal, text.slice(0, text.length - 20)); // crash mid-write
    const again = meter();
    again.open();
    await again.catchUp();
    assert.equal(inputOf(again), 15);
    assert.equal(again.ledger.records.size, 4);
    again.close();
  });

  it('rebuilds from the logs when the records file is damaged or gone', async () => {
    await seed();
    const ledgerDir = path.join(stateDir, 'ledger');
    const records = fs.readdirSync(ledgerDir).find((n) => /^records-\d+\.bin$/.test(n));
    assert.ok(records, 'a records file beside the snapshot');
    const file = path.join(ledgerDir, records);
    fs.truncateSync(file, fs.statSync(file).size - 100);
    const cut = meter();
    cut.open();
    assert.match(cut.warnings.join('\n'), /corrupt; rebuilding from the logs/);
    assert.equal(cut.ledger.records.size, 0);
    cut.close();
    fs.rmSync(file);
    await assertRebuilt();
  });

  it('fsyncs every snapshot but the first, and rebuilds a first one that a crash left empty', async () => {
    // The fs module object itself (the namespace import above is a read-only view of it).
    const syncs = mock.method(fsModule, 'fsyncSync');
    try {
      await seed(); // the first generation: logs that are still there, so not worth an fsync
      assert.equal(syncs.mock.callCount(), 0);
      const store = new LedgerStore(path.join(stateDir, 'ledger'));
      const loaded = store.load();
      store.compact([loaded.ledger, loaded.foreign], loaded.checkpoints);
      assert.equal(syncs.mock.callCount(), 2, 'the second generation: records file and snapshot');
    } finally {
      syncs.mock.restore();
    }
    // What a crash before the kernel wrote an unsynced first generation out leaves: renamed, empty files.
    for (const name of fs.readdirSync(path.join(stateDir, 'ledger'))) {
      if (/^(snapshot\.jsonl|records-\d+\.bin)$/.test(name)) fs.truncateSync(path.join(stateDir, 'ledger', name), 0);
    }
    await assertRebuilt();
  });

  it('restores the ledger it stored, copies and all, and goes on choosing among them after a restart', async () => {
    // One response in two files: the sidechain copy holds the stream's first snapshot (less usage), the main file
    // the final numbers. The store must keep both copies, so that when the better file is truncated, the other
    // copy counts again.
    fs.writeFileSync(path.join(projectDir, 's-1.jsonl'), line('a', 5) + line('b', 2));
    fs.writeFileSync(path.join(projectDir, 's-2.jsonl'), line('a', 3, 's-2') + line('c', 4, 's-2'));
    const first = meter();
    first.open();
    await first.catchUp();
    const before = [...first.ledger.records.entries()].sort(([x], [y]) => (x < y ? -1 : 1));
    first.close();
    assert.equal(inputOf(first), 5 + 2 + 4);

    const warm = meter();
    warm.open();
    assert.deepEqual(warm.warnings, []);
    assert.deepEqual([...warm.ledger.records.entries()].sort(([x], [y]) => (x < y ? -1 : 1)), before);
    fs.writeFileSync(path.join(projectDir, 's-1.jsonl'), line('b', 2)); // rewritten without `a`
    await warm.catchUp();
    assert.equal(inputOf(warm), 3 + 2 + 4, 'the other file’s copy of `a` counts now');
    assert.equal(warm.ledger.records.get('a:req_a')?.sessionId, 's-2');
    warm.close();
  });

  it('splits one stored table between the roots asked about and the others', async () => {
    const otherDir = path.join(tmp, 'other');
    fs.mkdirSync(path.join(otherDir, 'projects', 'p'), { recursive: true });
    fs.writeFileSync(path.join(otherDir, 'projects', 'p', 'x.jsonl'), line('z', 1000, 'x'));
    fs.writeFileSync(path.join(projectDir, 's-1.jsonl'), line('a', 1) + line('b', 2));
    const both = new Meter({ roots: sourceRoots({ claudeDirs: [claudeDir, otherDir], codexDirs: [] }), stateDir, workers: 0 });
    both.open();
    await both.catchUp();
    assert.equal(inputOf(both), 1003);
    both.close();
    const narrow = meter();
    narrow.open();
    assert.deepEqual(narrow.warnings, []);
    assert.equal(inputOf(narrow), 3);
    assert.deepEqual([...narrow.allRecords()].map((r) => r.tokens.input).sort((a, b) => a - b), [1, 2, 1000]);
    narrow.close();
  });

  it('reads a version 2 store instead of rebuilding it (the history of deleted logs stays), then writes version 3', async () => {
    // Written by the previous release from the real-CLI fixture e-subagent, whose logs are gone here.
    const ledgerDir = path.join(stateDir, 'ledger');
    fs.mkdirSync(ledgerDir, { recursive: true });
    const v2 = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'store-v2', 'snapshot.jsonl'), 'utf8');
    fs.writeFileSync(path.join(ledgerDir, 'snapshot.jsonl'), v2.replaceAll('@CLAUDE_DIR@', claudeDir));
    const tokens = (m: Meter) => [...m.ledger.records.values()].reduce((a, r) => a + r.tokens.input + r.tokens.output + r.tokens.cacheRead + r.tokens.cacheWrite5m, 0);
    const old = meter();
    old.open();
    assert.deepEqual(old.warnings, []);
    assert.equal(old.ledger.records.size, 4);
    await old.catchUp(); // the writer's pass: the logs are gone (kept as deleted), the store is rewritten
    assert.equal(tokens(old), 3300 + 275 + 35300 + 9530);
    old.close();
    assert.match(fs.readFileSync(path.join(ledgerDir, 'snapshot.jsonl'), 'utf8'), new RegExp(`"version":${STORE_VERSION}`));
    assert.ok(fs.readdirSync(ledgerDir).some((n) => /^records-\d+\.bin$/.test(n)));
    const again = meter();
    again.open();
    assert.deepEqual(again.warnings, []);
    assert.equal(again.ledger.records.size, 4);
    assert.equal(tokens(again), 3300 + 275 + 35300 + 9530);
    again.close();
  });

  it('keeps history of other roots when a narrower run writes the store', async () => {
    await seed();
    const otherDir = path.join(tmp, 'other');
    fs.mkdirSync(path.join(otherDir, 'projects', 'p'), { recursive: true });
    fs.writeFileSync(path.join(otherDir, 'projects', 'p', 'x.jsonl'), line('z', 1000, 'x'));
    const narrow = new Meter({ roots: sourceRoots({ claudeDirs: [otherDir], codexDirs: [] }), stateDir, workers: 0 });
    narrow.open();
    await narrow.catchUp();
    assert.equal(inputOf(narrow), 1000); // only its own roots are reported
    narrow.close();
    const wide = meter();
    wide.open();
    await wide.catchUp();
    assert.equal(inputOf(wide), 7);
    wide.close();
  });
});

describe('the writer lock', () => {
  it('is exclusive while its holder lives, and taken over when the holder is dead', () => {
    fs.mkdirSync(stateDir);
    const file = path.join(stateDir, 'writer.lock');
    const a = WriterLock.tryAcquire(file);
    assert.ok(a);
    assert.equal(WriterLock.tryAcquire(file), undefined);
    a.release();
    // A lock left behind by a process that no longer exists (pid 2^22 + 1 is above Linux's pid_max).
    fs.writeFileSync(file, JSON.stringify({ pid: 4194305, host: os.hostname(), token: 'old', startedAt: '2026-01-01T00:00:00Z' }));
    const b = WriterLock.tryAcquire(file);
    assert.ok(b);
    assert.ok(b.stillHeld());
    b.release();
    // A lock whose heartbeat stopped long ago, from another machine.
    fs.writeFileSync(file, JSON.stringify({ pid: 1, host: 'elsewhere', token: 'old', startedAt: '2026-01-01T00:00:00Z' }));
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(file, old, old);
    const c = WriterLock.tryAcquire(file);
    assert.ok(c);
    c.release();
    assert.equal(fs.existsSync(file), false);
  });

  it('notices a lost lock before writing', () => {
    fs.mkdirSync(stateDir);
    const file = path.join(stateDir, 'writer.lock');
    const a = WriterLock.tryAcquire(file)!;
    fs.writeFileSync(file, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'someone-else', startedAt: '' }));
    assert.equal(a.stillHeld(), false);
    a.release();
    assert.equal(fs.existsSync(file), true); // not ours to delete
  });
});
