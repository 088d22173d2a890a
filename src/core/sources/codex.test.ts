import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Ledger } from '../ledger';
import { createCodexFileParser } from './codex';

const env = (type: string, payload: Record<string, unknown>, timestamp = '2026-11-23T01:00:00.000Z') =>
  JSON.stringify({ timestamp, ordinal: 1, type, payload });
const u = (input: number, cached: number, output: number, total = input + output) => ({
  input_tokens: input,
  cached_input_tokens: cached,
  cache_write_input_tokens: 0,
  output_tokens: output,
  reasoning_output_tokens: 0,
  total_tokens: total,
});

describe('Codex rollout parser', () => {
  it('hands a response\'s function calls over with its usage record, and a non-zero exit code as a failed result', () => {
    const p = createCodexFileParser('thread-9');
    p.parseLine(env('turn_context', { model: 'gpt-5-codex' }));
    const call = (id: string, cmd: string) => env('response_item', { type: 'function_call', name: 'exec_command', arguments: JSON.stringify({ cmd }), call_id: id });
    assert.equal(p.parseLine(call('call_a', 'cat build.flag')).kind, 'skip');
    // Read again after a restart: the pending call travels in the parser's state.
    const resumed = createCodexFileParser('thread-9', JSON.parse(JSON.stringify(p.state())));
    assert.equal(resumed.parseLine(call('call_b', 'ls')).kind, 'skip');
    const r = resumed.parseLine(env('token_usage_record', { response_id: 'resp_1', usage: u(100, 0, 10), thread_token_usage: u(100, 0, 10) }));
    assert.ok(r.kind === 'usage' && r.events?.length === 2, JSON.stringify(r));
    const [a, b] = r.events as { kind: string; key: string; name: string; target: number; toolId: number }[];
    assert.equal(a!.kind, 'tool-call');
    assert.equal(a!.key, r.record.key);
    assert.equal(a!.name, 'exec_command');
    assert.notEqual(a!.target, b!.target, 'different commands, different targets');
    // The token_count twin of the same response carries no calls again.
    const twin = resumed.parseLine(env('event_msg', { type: 'token_count', info: { total_token_usage: u(100, 0, 10), last_token_usage: u(100, 0, 10) } }));
    assert.ok(twin.kind === 'usage' && twin.events === undefined);
    const out = (id: string, code: number) => env('response_item', { type: 'function_call_output', call_id: id, output: `Chunk ID: 1\nWall time: 0.0 seconds\nProcess exited with code ${code}\nOutput:\n` });
    const failed = resumed.parseLine(out('call_a', 1));
    assert.ok(failed.kind === 'event' && failed.event.kind === 'tool-error' && failed.event.toolId === a!.toolId, JSON.stringify(failed));
    assert.equal(resumed.parseLine(out('call_b', 0)).kind, 'skip');
  });

  it('takes the model from the preceding turn_context and splits cached input out', () => {
    const p = createCodexFileParser('file-thread');
    p.parseLine(env('session_meta', { id: 'thread-1', cwd: '/repo', git: { branch: 'main' } }));
    p.parseLine(env('turn_context', { model: 'gpt-5-codex', cwd: '/repo' }));
    const r = p.parseLine(env('token_usage_record', { response_id: 'resp_1', usage: u(13382, 8192, 257), thread_token_usage: u(13382, 8192, 257) }));
    assert.ok(r.kind === 'usage');
    assert.equal(r.record.sessionId, 'thread-1');
    assert.equal(r.record.model, 'gpt-5-codex');
    assert.deepEqual(r.record.tokens, { input: 5190, cacheRead: 8192, output: 257, cacheWrite5m: 0, cacheWrite1h: 0 });
    assert.equal(r.record.branch, 'main');
    // A model switch on resume applies to the records after it.
    p.parseLine(env('turn_context', { model: 'gpt-5-mini' }));
    const r2 = p.parseLine(env('token_usage_record', { response_id: 'resp_2', usage: u(100, 0, 10), thread_token_usage: u(13482, 8192, 267) }));
    assert.ok(r2.kind === 'usage' && r2.record.model === 'gpt-5-mini');
  });

  it('counts a token_usage_record and its token_count twin once, and never sums running totals', () => {
    const p = createCodexFileParser('t');
    const ledger = new Ledger();
    for (const line of [
      env('turn_context', { model: 'gpt-5-codex' }),
      env('token_usage_record', { response_id: 'r1', usage: u(1000, 0, 10), thread_token_usage: u(1000, 0, 10) }),
      env('event_msg', { type: 'token_count', info: { total_token_usage: u(1000, 0, 10), last_token_usage: u(1000, 0, 10), model_context_window: 258400 } }),
      env('token_usage_record', { response_id: 'r2', usage: u(2000, 1000, 20), thread_token_usage: u(3000, 1000, 30) }),
      env('event_msg', { type: 'token_count', info: { total_token_usage: u(3000, 1000, 30), last_token_usage: u(2000, 1000, 20), model_context_window: 258400 } }),
      env('event_msg', { type: 'token_count', info: null, rate_limits: {} }),
    ]) ledger.add('t', p.parseLine(line));
    assert.equal(ledger.records.size, 2);
    const out = [...ledger.records.values()].reduce((a, r) => a + r.tokens.output, 0);
    assert.equal(out, 30);
    assert.ok([...ledger.records.values()].every((r) => r.contextWindow === 258400));
  });

  it('falls back to token_count.last_token_usage in logs without token_usage_record', () => {
    const p = createCodexFileParser('t');
    p.parseLine(env('turn_context', { model: 'gpt-5' }));
    const r = p.parseLine(env('event_msg', { type: 'token_count', info: { total_token_usage: u(500, 0, 5), last_token_usage: u(500, 0, 5) } }));
    assert.ok(r.kind === 'usage' && r.record.tokens.input === 500);
  });

  it('rejects usage lines that do not fit the schema', () => {
    const p = createCodexFileParser('t');
    assert.deepEqual(p.parseLine(env('token_usage_record', { usage: { input_tokens: 'x' } })), { kind: 'rejected', reason: 'schema' });
    assert.deepEqual(p.parseLine('{"timestamp":"2026-11-23T01:00:00Z","type":"token_usage_record"}'), { kind: 'rejected', reason: 'schema' });
  });

  it('reads logs written by the real Codex CLI (resume with model switch, fork) to the served truth', () => {
    const root = 'test/fixtures/codex-real/tool-loop-resume-fork';
    const truth = JSON.parse(readFileSync(path.join(root, 'truth.json'), 'utf8')) as {
      steps: { responses?: { responseId: string; usage: { input_tokens: number; output_tokens: number } }[] }[];
    };
    const served = truth.steps.flatMap((s) => s.responses ?? []);
    const dir = path.join(root, 'sessions');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.jsonl')).sort();
    assert.ok(files.length >= 2);
    const ledger = new Ledger();
    for (const f of files) {
      const parser = createCodexFileParser(path.basename(f, '.jsonl'));
      for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) if (line.trim()) ledger.add(f, parser.parseLine(line));
    }
    const records = [...ledger.records.values()];
    assert.equal(records.length, served.length);
    const sum = (f: (r: (typeof records)[number]) => number) => records.reduce((a, r) => a + f(r), 0);
    assert.equal(sum((r) => r.tokens.input + r.tokens.cacheRead), served.reduce((a, s) => a + s.usage.input_tokens, 0));
    assert.equal(sum((r) => r.tokens.output), served.reduce((a, s) => a + s.usage.output_tokens, 0));
    assert.deepEqual(new Set(records.map((r) => r.model)), new Set(['gpt-5-codex', 'gpt-5-mini']));
    assert.equal(new Set(records.map((r) => r.sessionId)).size, 2);
  });
});
