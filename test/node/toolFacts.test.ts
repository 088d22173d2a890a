// Tool calls and failed tool results, read from the bytes of logs the real Claude Code CLI wrote: what the
// retry-loop detector stands on. They must come out the same from a fresh read, from the store's snapshot and from
// its journal, and a fork's copies must not count a call twice.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Ledger } from '../../src/core/ledger';
import { PriceTable } from '../../src/core/pricing';
import { sessionTimelines } from '../../src/core/sessionTimeline';
import { readAll } from '../../src/node/logReader';
import { Meter } from '../../src/node/meter';
import { sourceRoots } from '../../src/node/sourcePaths';

const fixtures = path.join('test', 'fixtures', 'claude-real');
const prices = new PriceTable();

async function ledgerOf(claudeDir: string): Promise<Ledger> {
  const ledger = new Ledger();
  await readAll(sourceRoots({ claudeDirs: [claudeDir], codexDirs: [] }), ledger);
  return ledger;
}

/** Every session's turns as "thread n: tool@target!failed" strings, in order. */
function toolFacts(ledger: Ledger): string[] {
  return sessionTimelines(ledger, prices)
    .sort((a, b) => (a.sessionId < b.sessionId ? -1 : 1))
    .flatMap((tl) => tl.turns.map((t) => `${tl.sessionId.slice(0, 8)} ${t.thread || 'main'} ${t.n}: ${t.tools.map((c) => `${c.name}:${c.fingerprint}@${c.target}${c.failed ? '!' : ''}`).join(' ')}`));
}

describe('tool calls from real Claude Code logs', () => {
  it('a failing command: four Bash calls with the same input and target, each result an error', async () => {
    const ledger = await ledgerOf(path.join(fixtures, 'i-retry-loop'));
    const [tl] = sessionTimelines(ledger, prices);
    const calls = tl!.turns.flatMap((t) => t.tools);
    assert.equal(calls.length, 4);
    assert.ok(calls.every((c) => c.name === 'Bash' && c.failed), JSON.stringify(calls));
    assert.equal(new Set(calls.map((c) => c.fingerprint)).size, 1, 'same input');
    assert.equal(new Set(calls.map((c) => c.target)).size, 1, 'same command');
    assert.notEqual(calls[0]!.target, 0);
    assert.deepEqual(tl!.turns.map((t) => t.tools.length), [1, 1, 1, 1, 0]);
  });

  it('successful results are not failures, and calls with other commands have other targets', async () => {
    const ledger = await ledgerOf(path.join(fixtures, 'a-multiblock'));
    const calls = sessionTimelines(ledger, prices).flatMap((tl) => tl.turns.flatMap((t) => t.tools));
    // echo hi, echo one + echo two (one response), Read README.md.
    assert.deepEqual(calls.map((c) => c.name), ['Bash', 'Bash', 'Bash', 'Read']);
    assert.ok(calls.every((c) => !c.failed));
    assert.equal(new Set(calls.slice(0, 3).map((c) => c.target)).size, 3);
    assert.equal(calls[3]!.target, 0, 'Read has no target');
  });

  it('a fork copies the history: each call is counted once, in the session that made it', async () => {
    const ledger = await ledgerOf(path.join(fixtures, 'd-resume-fork'));
    const timelines = sessionTimelines(ledger, prices);
    const total = timelines.reduce((n, tl) => n + tl.turns.reduce((m, t) => m + t.tools.length, 0), 0);
    const distinct = new Set([...ledger.toolCalls()].map((c) => c.toolId)).size;
    assert.ok([...ledger.toolCalls()].length > distinct, 'the fork file holds copies of earlier calls');
    assert.equal(total, distinct);
  });

  it('a subagent\'s calls are in its own thread', async () => {
    const ledger = await ledgerOf(path.join(fixtures, 'e-subagent'));
    const [tl] = sessionTimelines(ledger, prices);
    assert.deepEqual(
      tl!.turns.filter((t) => t.tools.length).map((t) => [t.thread === '' ? 'main' : 'sub', t.tools.map((c) => c.name).join()]),
      [['main', 'Agent'], ['sub', 'Bash']],
    );
  });
});

describe('tool calls in the persistent store', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-tools-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('come back the same from the snapshot and the journal as from a fresh read', async () => {
    const claudeDir = path.join(tmp, 'claude');
    fs.cpSync(path.join(fixtures, 'i-retry-loop', 'projects'), path.join(claudeDir, 'projects'), { recursive: true });
    fs.cpSync(path.join(fixtures, 'a-multiblock', 'projects'), path.join(claudeDir, 'projects'), { recursive: true });
    const file = fs.readdirSync(path.join(claudeDir, 'projects'), { recursive: true, encoding: 'utf8' }).find((f) => f.includes('10000000-'))!;
    const full = path.join(claudeDir, 'projects', file);
    const lines = fs.readFileSync(full, 'utf8').split('\n');
    // First half now (read into the snapshot), the rest later (read into the journal).
    const half = Math.floor(lines.length / 2);
    fs.writeFileSync(full, `${lines.slice(0, half).join('\n')}\n`);
    const stateDir = path.join(tmp, 'state');
    const open = () => new Meter({ roots: sourceRoots({ claudeDirs: [claudeDir], codexDirs: [] }), stateDir, workers: 0 });
    const first = open();
    first.open();
    await first.catchUp();
    assert.ok(fs.existsSync(path.join(stateDir, 'ledger', 'snapshot.jsonl')), 'the first pass wrote a snapshot');
    fs.appendFileSync(full, lines.slice(half).join('\n'));
    await first.catchUp();
    first.close();
    const fresh = await ledgerOf(claudeDir);
    const reopened = open();
    reopened.open();
    await reopened.catchUp();
    try {
      assert.deepEqual(toolFacts(reopened.ledger), toolFacts(fresh));
      assert.equal([...reopened.ledger.failedTools()].length, 4);
    } finally {
      reopened.close();
    }
  });
});
