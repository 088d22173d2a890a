// Bad input on real files through the real CLI (`report --json`): exit 0, every bad line counted by reason, the good
// lines' totals exact, a missing dir a clear message. Runs the TypeScript CLI through tsx: no build needed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assistantLine } from '../helpers/logLines';

const CLI = path.resolve('src/cli/entry.ts');

function runCli(args: string[], opts: { uid?: number; gid?: number } = {}) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
    timeout: 30_000,
    maxBuffer: 64 << 20,
    ...opts,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const u = (input: number, output: number) => ({ input_tokens: input, output_tokens: output, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });

describe('bad input', () => {
  let dir: string;
  let projects: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-bad-'));
    fs.chmodSync(dir, 0o755);
    projects = path.join(dir, 'claude', 'projects', '-home-dev-demo');
    fs.mkdirSync(projects, { recursive: true });
    const good = (id: string, input: number) => assistantLine({ id, requestId: `req_${id}`, usage: u(input, 10) });
    const hugeText = 'x'.repeat(10 * 1024 * 1024);

    const lines = [
      good('m1', 1000),
      'garbage line that is not json',
      '{"type":"assistant","message":{"id":"cut", "usage":{"input_tok', // truncated mid-file
      good('m1', 1000), // a second block line of the same response
      // A valid 10 MB line (a tool result) and a 10 MB garbage line.
      JSON.stringify({ type: 'user', message: { role: 'user', content: hugeText }, sessionId: 's-1' }),
      `{${hugeText}`,
      // An assistant line whose text holds invalid UTF-8 (the usage is intact, so it counts and is reported).
      '', // blank lines are not lines
      '{"type":"future-line-type","payload":{"assistant":"maybe"}}',
      assistantLine({ id: 'm2', requestId: 'req_m2', usage: u(2000, 20), extra: { futureField: { nested: [1, 2, 3] } } }),
      assistantLine({ id: 'm3', usage: { input_tokens: 'many', output_tokens: 1 } }), // schema
    ];
    const buf = Buffer.concat([
      Buffer.from(lines.join('\n') + '\n'),
      Buffer.from(good('m4', 4000).replace('"text":"ok"', '"text":"ok \u0001XX"').replace('XX', ''), 'utf8'),
    ]);
    // Splice an invalid UTF-8 byte sequence into the m4 line's text, then end with a half-written last line.
    const m4 = buf.toString('latin1').replace('ok \u0001', 'ok \u00ff\u00fe');
    fs.writeFileSync(path.join(projects, 's-1.jsonl'), Buffer.concat([Buffer.from(m4, 'latin1'), Buffer.from('\n{"type":"assistant","message":{"id":"m5"')]));
    fs.writeFileSync(path.join(projects, 'empty.jsonl'), '');
    fs.writeFileSync(path.join(projects, 'binary.jsonl'), Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 10, 0x89, 0x50, 0x4e, 0x47, 0, 0, 10]));
    // An unreadable folder (mode 000): readable by root, so the CLI runs as `nobody` below.
    const locked = path.join(dir, 'claude', 'projects', '-locked');
    fs.mkdirSync(locked);
    fs.writeFileSync(path.join(locked, 'x.jsonl'), good('m9', 9));
    fs.chmodSync(locked, 0o000);
  });

  after(() => {
    fs.chmodSync(path.join(dir, 'claude', 'projects', '-locked'), 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0, counts every bad line by reason and keeps the good lines exact', () => {
    const { code, stdout, stderr } = runCli(['report', '--json', '--no-state', '--claude-dir', path.join(dir, 'claude')], { uid: 65534, gid: 65534 });
    assert.equal(code, 0, stderr);
    const r = JSON.parse(stdout);
    assert.equal(r.totals.requests, 3); // m1 (twice logged), m2, m4
    assert.equal(r.totals.tokens.input, 1000 + 2000 + 4000);
    assert.equal(r.totals.tokens.output, 10 + 20 + 10);
    assert.ok(Math.abs(r.totals.costUsd - (7000 * 3 + 40 * 15) / 1e6) < 1e-9);
    assert.deepEqual(r.diagnostics.rejected, {
      'not-json': 3, // the garbage line and the two binary lines
      'invalid-json': 2, // the line cut mid-file and the 10 MB garbage object
      schema: 1,
      'incomplete-line': 1, // the half-written last line
    });
    assert.equal(r.diagnostics.rejectedLines, 7);
    assert.deepEqual(r.diagnostics.repaired, { 'invalid-utf8': 1 });
    assert.equal(r.diagnostics.files, 3);
    assert.equal(r.diagnostics.unreadable.length, 1);
    assert.match(r.diagnostics.unreadable[0].path, /-locked$/);
    assert.match(stderr, /cannot read .*-locked \(EACCES\)/);
  });

  it('says clearly when a given dir is missing or is not an agent dir, without a stack trace', () => {
    const missing = runCli(['report', '--claude-dir', path.join(dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope: no such directory/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /);
    const wrong = runCli(['report', '--codex-dir', path.join(dir, 'claude')]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /has no sessions\/ or archived_sessions\/ folder/);
  });

  it('rejects bad flags with a usage message', () => {
    for (const args of [['report', '--since', '23/11/2026'], ['report', '--timezone', 'Mars/Base'], ['report', '--bogus'], ['frobnicate']]) {
      const res = runCli(args);
      assert.equal(res.code, 2, args.join(' '));
      assert.match(res.stderr, /^agent-meter: /);
    }
  });

  it('rejects a malformed pricing file with the field at fault', () => {
    const file = path.join(dir, 'prices.json');
    fs.writeFileSync(file, JSON.stringify([{ model: 'acme', input: 'cheap', output: 1 }]));
    const res = runCli(['report', '--claude-dir', path.join(dir, 'claude'), '--pricing', file]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /0\.input/);
  });
});
