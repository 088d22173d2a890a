import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assistantLine } from '../../../test/helpers/logLines';
import { createClaudeFileParser } from './claudeCode';

describe('Claude Code line parser', () => {
  const parser = createClaudeFileParser('s-1');

  it('turns an assistant line into one usage record with the 5m/1h split', () => {
    const p = parser.parseLine(assistantLine({}));
    assert.equal(p.kind, 'usage');
    if (p.kind !== 'usage') return;
    assert.equal(p.record.key, 'msg_1:req_1');
    assert.deepEqual(p.record.tokens, { input: 10, output: 50, cacheRead: 2000, cacheWrite5m: 100, cacheWrite1h: 200 });
    assert.equal(p.record.webSearchRequests, 1);
    assert.equal(p.record.project, '/home/dev/demo');
    assert.equal(p.record.branch, 'feature/x');
    assert.equal(p.record.agentId, undefined);
  });

  it('keys by message id alone when requestId is missing', () => {
    const p = parser.parseLine(assistantLine({ requestId: null }));
    assert.equal(p.kind === 'usage' && p.record.key, 'msg_1');
  });

  it('caps the 1h share at the total cache write (as the CLI does)', () => {
    const p = parser.parseLine(
      assistantLine({ usage: { input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 50, cache_creation: { ephemeral_1h_input_tokens: 80 } } }),
    );
    assert.ok(p.kind === 'usage');
    assert.equal(p.record.tokens.cacheWrite1h, 50);
    assert.equal(p.record.tokens.cacheWrite5m, 0);
  });

  it('attributes subagent lines to the parent session with their agentId', () => {
    const p = parser.parseLine(assistantLine({ sidechain: 'a9d35655c1fb6d999', sessionId: 'parent' }));
    assert.ok(p.kind === 'usage');
    assert.equal(p.record.sessionId, 'parent');
    assert.equal(p.record.agentId, 'a9d35655c1fb6d999');
  });

  it('never bills <synthetic> lines; API-error ones become error events', () => {
    const err = parser.parseLine(
      assistantLine({ model: '<synthetic>', usage: { input_tokens: 0, output_tokens: 0 }, extra: { isApiErrorMessage: true, apiErrorStatus: 529 } }),
    );
    assert.equal(err.kind, 'event');
    assert.ok(err.kind === 'event' && err.event.kind === 'api-error' && err.event.status === 529);
    const noResponse = parser.parseLine(assistantLine({ model: '<synthetic>', usage: { input_tokens: 0, output_tokens: 0 } }));
    assert.equal(noResponse.kind, 'skip');
  });

  it('accepts future fields and ignores unknown line types', () => {
    const p = parser.parseLine(assistantLine({ extra: { brandNewField: { x: 1 } }, usage: { input_tokens: 1, output_tokens: 2, future_tokens: 9 } }));
    assert.equal(p.kind, 'usage');
    assert.equal(parser.parseLine('{"type":"hologram","assistant":true}').kind, 'skip');
    assert.equal(parser.parseLine('{"type":"user","message":{"role":"user","content":"assistant"}}').kind, 'skip');
  });

  it('rejects usage lines whose fields do not fit, and broken JSON, by reason', () => {
    const p = parser.parseLine(assistantLine({ usage: { input_tokens: 'lots', output_tokens: 1 } }));
    assert.deepEqual(p, { kind: 'rejected', reason: 'schema' });
    assert.deepEqual(parser.parseLine('{"type":"assistant",'), { kind: 'rejected', reason: 'invalid-json' });
    assert.deepEqual(parser.parseLine('[1,2]'), { kind: 'rejected', reason: 'not-json' });
  });

  it('turns a compact_boundary into a compaction event plus a labelled estimate', () => {
    const p = parser.parseLine(
      JSON.stringify({
        type: 'system',
        subtype: 'compact_boundary',
        sessionId: 's-1',
        uuid: 'cb1',
        timestamp: '2026-11-23T01:00:00.000Z',
        compactMetadata: { trigger: 'manual', preTokens: 42000, postTokens: 3000 },
      }),
    );
    assert.equal(p.kind, 'estimate');
    if (p.kind !== 'estimate') return;
    assert.equal(p.estimate.reason, 'compact-summary');
    assert.equal(p.estimate.tokens.input, 42000);
    assert.equal(p.estimate.tokens.output, 3000);
    assert.ok(p.event?.kind === 'compaction' && p.event.postTokens === 3000);
  });

  it('estimates the unlogged session-title request from an ai-title line', () => {
    const p = parser.parseLine('{"type":"ai-title","aiTitle":"Fix the tests","timestamp":"2026-11-23T01:00:00.000Z"}');
    assert.ok(p.kind === 'estimate');
    assert.equal(p.estimate.sessionId, 's-1');
    assert.equal(p.estimate.model, 'claude-haiku-4-5');
  });
});
