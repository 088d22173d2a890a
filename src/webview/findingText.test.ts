import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding } from '../core/findings';
import { threadName, turnRange } from '../core/findings';
import { findingFacts, findingsHeading, requestRange, severityLabel } from './findingText';

const base: Finding = {
  id: 'retry-loop:s1::12',
  kind: 'retry-loop',
  sessionId: '10000000-0000-4000-8000-000000000001',
  thread: '',
  severity: 'warning',
  usdAtStake: 0.0549,
  summary: 'The same command failed 4 times in the main thread',
  evidence: [],
  action: '',
  turns: [12, 13, 14, 15, 16, 17],
  firstAt: '2026-11-23T07:00:00Z',
  lastAt: '2026-11-23T07:06:00Z',
};

test('findingFacts: dollars at stake, the session\'s short name, the requests, and a subagent\'s thread', () => {
  assert.deepEqual(findingFacts(base, 'demo_app.v2 · 10000000'), ['$0.05 at stake', 'session demo_app.v2 · 10000000', 'requests 12–17']);
  assert.deepEqual(findingFacts({ ...base, turns: [3], thread: 'a1b2c3d4e5f6' }, undefined), ['$0.05 at stake', 'session 10000000', 'request 3', 'subagent a1b2c3d4']);
  assert.deepEqual(findingFacts({ ...base, turns: [], usdAtStake: 0.001 }, 'x'), ['<$0.01 at stake', 'session x']);
});

test('severity in words and the section heading with its count', () => {
  assert.equal(severityLabel({ ...base, severity: 'critical' }), 'Critical');
  assert.equal(severityLabel(base), 'Warning');
  assert.equal(findingsHeading(0), 'Findings');
  assert.equal(findingsHeading(3), 'Findings (3)');
});

test('requestRange and the thread say what core/findings.ts says', () => {
  for (const turns of [[], [3], [12, 13, 17]]) assert.equal(requestRange(turns), turnRange(turns));
  assert.equal(findingFacts({ ...base, thread: 'a1b2c3d4e5f6' }, 'x').at(-1), threadName('a1b2c3d4e5f6'));
});
