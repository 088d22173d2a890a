// The reader hands the Claude parser long response lines with `message.content` cut out, and skips repeated copies of
// a response line (FileParser.responseShape). It must count exactly what parsing every whole line counts: on every
// real Claude Code fixture, and on lines built to trip the shortcuts (markers inside strings and inside tool inputs,
// invalid UTF-8, two lines glued by a crash, blocks of one response whose usage differs).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Ledger } from '../../src/core/ledger';
import { createClaudeFileParser } from '../../src/core/sources/claudeCode';
import { readLogFile } from '../../src/node/logReader';
import { assistantLine } from '../helpers/logLines';

/** Every line parsed whole, one by one: the reference. */
function parsedWhole(file: string): Ledger {
  const ledger = new Ledger();
  const parser = createClaudeFileParser(path.basename(file, '.jsonl'));
  for (const l of fs.readFileSync(file, 'utf8').split('\n')) if (l.trim()) ledger.add(file, parser.parseLine(l));
  return ledger;
}

async function viaReader(file: string): Promise<Ledger> {
  const ledger = new Ledger();
  await readLogFile({ agent: 'claude-code', path: file }, undefined, ledger, { lastLine: 'final' });
  return ledger;
}

/** Records as plain data (an absent field and one set to undefined are the same record). */
const plain = (l: Ledger) => JSON.parse(JSON.stringify([...l.records.entries()].sort(([x], [y]) => (x < y ? -1 : 1)))) as unknown;

function assertSame(a: Ledger, b: Ledger, what: string): void {
  assert.deepEqual(plain(a), plain(b), `${what}: records`);
  assert.deepEqual(a.diagnostics.rejected, b.diagnostics.rejected, `${what}: rejections`);
}

const big = 'x'.repeat(3000);
const usage = { input_tokens: 120, output_tokens: 30, cache_read_input_tokens: 5000, cache_creation_input_tokens: 700 };

describe('cutting message.content out of long lines', () => {
  it('counts every real Claude Code fixture exactly as parsing each whole line does', async () => {
    const root = path.resolve('test/fixtures/claude-real');
    const files = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.jsonl')).map((f) => path.join(root, f));
    let longLines = 0;
    for (const f of files) {
      for (const l of fs.readFileSync(f, 'utf8').split('\n')) if (l.length > 1024 && l.includes('"content":[')) longLines++;
      assertSame(await viaReader(f), parsedWhole(f), path.basename(f));
    }
    assert.ok(longLines > 10, `the fixtures should hold long response lines (found ${longLines})`);
  });

  it('survives markers inside strings and tool inputs, and counts invalid UTF-8 in the content as repaired', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-elide-'));
    const file = path.join(dir, 's-1.jsonl');
    const withContent = (id: string, content: unknown[]) =>
      assistantLine({ id, requestId: `r_${id}`, usage }).replace('"content":[{"type":"text","text":"ok"}]', `"content":${JSON.stringify(content)}`);
    const lines = [
      withContent('m1', [{ type: 'text', text: `${big} ],"stop_reason":"end_turn" "content":[ ` }]),
      withContent('m2', [{ type: 'tool_use', id: 't', name: 'X', input: { a: [1], stop_reason: 'no', usage: { input_tokens: 999999 }, content: [big] } }]),
      withContent('m3', [{ type: 'thinking', thinking: big }, { type: 'text', text: 'done' }]),
    ];
    const invalid = Buffer.from(`${withContent('m4', [{ type: 'text', text: `${big}@@` }])}\n`);
    const at = invalid.indexOf('@@');
    invalid[at] = 0xc3; // a lone lead byte: invalid UTF-8 inside the text
    invalid[at + 1] = 0x28;
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    fs.appendFileSync(file, invalid);
    const reader = await viaReader(file);
    assertSame(reader, parsedWhole(file), 'tricky lines');
    assert.equal(reader.records.size, 4);
    assert.equal(reader.records.get('m2:r_m2')?.tokens.input, 120);
    assert.deepEqual(reader.diagnostics.repaired, { 'invalid-utf8': 1 });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('never cuts two lines glued together by a crash (the fragment stays invalid JSON)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-elide-'));
    const file = path.join(dir, 's-1.jsonl');
    const whole = assistantLine({ id: 'm2', requestId: 'r_m2', usage }).replace('"text":"ok"', `"text":"${big}"`);
    const torn = assistantLine({ id: 'm1', requestId: 'r_m1', usage }).replace('"text":"ok"', `"text":"${big}`).slice(0, 2000);
    fs.writeFileSync(file, `${torn}${whole}\n${whole}\n`);
    const reader = await viaReader(file);
    assertSame(reader, parsedWhole(file), 'glued');
    assert.deepEqual([...reader.records.keys()], ['m2:r_m2']);
    assert.deepEqual(reader.diagnostics.rejected, { 'invalid-json': 1 });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('skips only exact repeats: a block of the same response with other usage bytes is parsed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-meter-elide-'));
    const file = path.join(dir, 's-1.jsonl');
    const block = (output: number, text: string) =>
      assistantLine({ id: 'm1', requestId: 'r_m1', usage: { ...usage, output_tokens: output } }).replace('"text":"ok"', `"text":"${text}"`);
    // The later, larger usage comes between copies of the first: each copy matches one earlier line, not the last.
    const lines = [block(30, big), block(90, 'b'), block(30, `${big}c`), block(90, 'd'), block(31, 'e')];
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const reader = await viaReader(file);
    assertSame(reader, parsedWhole(file), 'blocks');
    assert.equal(reader.records.get('m1:r_m1')?.tokens.output, 90);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
