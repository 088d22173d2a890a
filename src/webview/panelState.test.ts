import assert from 'node:assert/strict';
import { test } from 'node:test';
import { panelStateSchema, TABLE_RANGES } from '../core/panelProtocol';
import { RANGES, restoreState, startupMessages } from './panelState';

test('RANGES mirrors the protocol list in order', () => {
  assert.deepEqual([...RANGES], [...TABLE_RANGES]);
});

test('restoreState keeps a valid saved state', () => {
  assert.deepEqual(restoreState({ sessionId: 'abc', range: 'week' }), { sessionId: 'abc', range: 'week' });
});

test('restoreState falls back to defaults for anything malformed', () => {
  assert.deepEqual(restoreState(undefined), { sessionId: null, range: 'month' });
  assert.deepEqual(restoreState('junk'), { sessionId: null, range: 'month' });
  assert.deepEqual(restoreState({ sessionId: '', range: 'year' }), { sessionId: null, range: 'month' });
  assert.deepEqual(restoreState({ sessionId: 'x'.repeat(201), range: 'all' }), { sessionId: null, range: 'all' });
  assert.deepEqual(restoreState({ sessionId: 42 }), { sessionId: null, range: 'month' });
});

test('restoreState agrees with the host schema on what it accepts', () => {
  for (const saved of [{ sessionId: 's1', range: 'today' }, {}, { sessionId: null, range: 'all' }]) {
    assert.deepEqual(restoreState(saved), panelStateSchema.parse(saved));
  }
});

test('startupMessages: ready first, then only what differs from the host defaults', () => {
  assert.deepEqual(startupMessages({ sessionId: null, range: 'month' }), [{ type: 'ready' }]);
  assert.deepEqual(startupMessages({ sessionId: 's1', range: 'today' }), [
    { type: 'ready' },
    { type: 'selectSession', sessionId: 's1' },
    { type: 'setRange', range: 'today' },
  ]);
  assert.deepEqual(startupMessages({ sessionId: null, range: 'all' }), [{ type: 'ready' }, { type: 'setRange', range: 'all' }]);
});
