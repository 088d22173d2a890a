import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { budgetStateSchema, guardDecision, isBudgetState, isFresh, isIsoTimestamp, readHookInput, STALE_AFTER_MS } from './guardDecision';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const REASON = 'Agent Meter: monthly budget reached ($103.20 of $100.00). Raise agentMeter.budgets.monthly or wait for the period to reset.';

const stateText = (state: string, o: { updatedAt?: string; reason?: string } = {}) =>
  JSON.stringify({ version: 1, updatedAt: o.updatedAt ?? '2026-11-23T11:59:00.000Z', state, reason: o.reason ?? REASON });

const prompt = { session_id: 's', hook_event_name: 'UserPromptSubmit', prompt: 'hi' };
const agent = { session_id: 's', hook_event_name: 'PreToolUse', tool_name: 'Agent', tool_input: { prompt: 'x' } };
const task = { ...agent, tool_name: 'Task' };
const bash = { ...agent, tool_name: 'Bash', tool_input: { command: 'ls' } };

describe('budget state validation', () => {
  const valid: unknown[] = [
    { version: 1, updatedAt: '2026-11-23T11:59:00.000Z', state: 'ok', reason: '' },
    { version: 1, updatedAt: '2026-11-23T11:59:00Z', state: 'warn', reason: 'x' },
    { version: 1, updatedAt: '2026-11-23T13:59:00+02:00', state: 'throttle', reason: 'x' },
    { version: 1, updatedAt: '2026-11-23T11:59:00.123456Z', state: 'stop', reason: 'x', extra: { ignored: true } },
    { version: 1, updatedAt: '2026-11-23T11:59:00Z', state: 'stop', reason: 'x', sessionId: 'abc' },
  ];
  const invalid: unknown[] = [
    null,
    undefined,
    'stop',
    42,
    [],
    [{ version: 1, updatedAt: '2026-11-23T11:59:00Z', state: 'stop', reason: 'x' }],
    {},
    { version: 2, updatedAt: '2026-11-23T11:59:00Z', state: 'stop', reason: 'x' },
    { version: '1', updatedAt: '2026-11-23T11:59:00Z', state: 'stop', reason: 'x' },
    { updatedAt: '2026-11-23T11:59:00Z', state: 'stop', reason: 'x' },
    { version: 1, updatedAt: '2026-11-23', state: 'stop', reason: 'x' },
    { version: 1, updatedAt: '2026-11-23 11:59:00Z', state: 'stop', reason: 'x' },
    { version: 1, updatedAt: '2026-11-23T11:59:00', state: 'stop', reason: 'x' },
    { version: 1, updatedAt: '2026-13-45T11:59:00Z', state: 'stop', reason: 'x' },
    { version: 1, updatedAt: 1_700_000_000_000, state: 'stop', reason: 'x' },
    { version: 1, updatedAt: '2026-11-23T11:59:00Z', state: 'STOP', reason: 'x' },
    { version: 1, updatedAt: '2026-11-23T11:59:00Z', state: 'blocked', reason: 'x' },
    { version: 1, updatedAt: '2026-11-23T11:59:00Z', state: 'stop' },
    { version: 1, updatedAt: '2026-11-23T11:59:00Z', state: 'stop', reason: null },
    { version: 1, updatedAt: '2026-11-23T11:59:00Z', state: 'stop', reason: 7 },
    { version: 1, updatedAt: '2026-11-23T11:59:00Z', state: 'stop', reason: 'x', sessionId: '' },
    { version: 1, updatedAt: '2026-11-23T11:59:00Z', state: 'stop', reason: 'x', sessionId: 5 },
  ];

  it('the hand-written check agrees with the zod schema on valid and invalid states', () => {
    for (const v of valid) {
      assert.equal(budgetStateSchema.safeParse(v).success, true, `zod rejects ${JSON.stringify(v)}`);
      assert.equal(isBudgetState(v), true, `isBudgetState rejects ${JSON.stringify(v)}`);
    }
    for (const v of invalid) {
      assert.equal(budgetStateSchema.safeParse(v).success, false, `zod accepts ${JSON.stringify(v)}`);
      assert.equal(isBudgetState(v), false, `isBudgetState accepts ${JSON.stringify(v)}`);
    }
  });

  it('agrees with the schema on every single-field change of a valid state', () => {
    const base = { version: 1, updatedAt: '2026-11-23T11:59:00.000Z', state: 'stop', reason: 'x' };
    const values: unknown[] = [undefined, null, 0, 1, 2, '', 'x', 'ok', 'warn', 'throttle', 'stop', true, [], {}, '2026-11-23T11:59:00Z'];
    for (const key of Object.keys(base)) {
      for (const value of values) {
        const v = { ...base, [key]: value };
        assert.equal(isBudgetState(v), budgetStateSchema.safeParse(v).success, `disagree on ${JSON.stringify(v)}`);
      }
    }
  });

  it('accepts what Date.toISOString() writes, and only real dates', () => {
    assert.ok(isIsoTimestamp(NOW.toISOString()));
    assert.ok(!isIsoTimestamp('2026-02-30T25:00:00Z'));
    assert.ok(!isIsoTimestamp('yesterday'));
  });
});

describe('staleness', () => {
  it('is fresh up to 10 minutes old and up to 10 minutes ahead, stale beyond', () => {
    const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
    assert.ok(isFresh(at(0), NOW));
    assert.ok(isFresh(at(-STALE_AFTER_MS), NOW));
    assert.ok(isFresh(at(STALE_AFTER_MS), NOW));
    assert.ok(!isFresh(at(-STALE_AFTER_MS - 1000), NOW));
    assert.ok(!isFresh(at(STALE_AFTER_MS + 1000), NOW));
    assert.ok(!isFresh(at(-11 * 60_000), NOW));
  });
});

describe('guardDecision', () => {
  it('stop: refuses a prompt with the reason on stderr (exit 2)', () => {
    const d = guardDecision(stateText('stop'), prompt, NOW);
    assert.deepEqual(d, { exitCode: 2, stderr: `${REASON}\n`, basis: 'state' });
  });

  it('stop and throttle: refuse a new subagent (Agent, and the older name Task), with the reason', () => {
    for (const state of ['stop', 'throttle']) {
      for (const input of [agent, task]) {
        const d = guardDecision(stateText(state), input, NOW);
        assert.equal(d.exitCode, 2, `${state} ${input.tool_name}`);
        assert.ok(d.stderr?.startsWith(REASON), d.stderr);
        assert.match(d.stderr!, /subagents/);
        assert.equal(d.stdout, undefined);
      }
    }
  });

  it('throttle: lets a prompt through with the reason as a systemMessage', () => {
    const d = guardDecision(stateText('throttle'), prompt, NOW);
    assert.equal(d.exitCode, 0);
    assert.equal(d.stderr, undefined);
    assert.deepEqual(JSON.parse(d.stdout!), { systemMessage: REASON });
  });

  it('never blocks other tools, whatever the state', () => {
    for (const state of ['ok', 'warn', 'throttle', 'stop']) {
      assert.deepEqual(guardDecision(stateText(state), bash, NOW), { exitCode: 0, basis: 'state' }, state);
    }
  });

  it('ok and warn: silent everywhere', () => {
    for (const state of ['ok', 'warn']) {
      for (const input of [prompt, agent, task]) {
        assert.deepEqual(guardDecision(stateText(state), input, NOW), { exitCode: 0, basis: 'state' }, `${state} ${input.hook_event_name}`);
      }
    }
  });

  it('fails open on a missing, invalid or stale state', () => {
    const cases: [string | undefined, string][] = [
      [undefined, 'no-state'],
      ['', 'invalid-state'],
      ['{"version":1,"updatedAt":"2026-11-23T11:59:00.000Z","state":"stop"', 'invalid-state'],
      ['\u0000\u0001garbage', 'invalid-state'],
      ['null', 'invalid-state'],
      [stateText('halt'), 'invalid-state'],
      [stateText('stop', { updatedAt: '2026-11-23T11:49:00.000Z' }), 'stale-state'],
      [stateText('stop', { updatedAt: '2026-11-23T12:11:00.000Z' }), 'stale-state'],
    ];
    for (const [text, basis] of cases) {
      for (const input of [prompt, agent]) {
        assert.deepEqual(guardDecision(text, input, NOW), { exitCode: 0, basis }, `${text} ${input.hook_event_name}`);
      }
    }
  });

  it('fails open on hook input it does not understand', () => {
    for (const input of [undefined, null, 'UserPromptSubmit', 3, {}, { hook_event_name: 7 }, []]) {
      assert.deepEqual(guardDecision(stateText('stop'), input, NOW), { exitCode: 0, basis: 'no-input' }, JSON.stringify(input));
    }
  });

  it('lets other events through even at stop', () => {
    assert.equal(guardDecision(stateText('stop'), { hook_event_name: 'SessionStart' }, NOW).exitCode, 0);
    assert.equal(guardDecision(stateText('stop'), { hook_event_name: 'PostToolUse', tool_name: 'Agent' }, NOW).exitCode, 0);
  });

  it('says something even when the writer left the reason empty', () => {
    assert.match(guardDecision(stateText('stop', { reason: '  ' }), prompt, NOW).stderr!, /^Agent Meter: the budget is used up\./);
    assert.match(JSON.parse(guardDecision(stateText('throttle', { reason: '' }), prompt, NOW).stdout!).systemMessage, /nearly used up/);
  });
});

describe('a session budget', () => {
  const scoped = (state: string) => JSON.stringify({ ...JSON.parse(stateText(state)), sessionId: 's' });
  it('stops the session it is about, and lets every other session through', () => {
    assert.equal(guardDecision(scoped('stop'), prompt, NOW).exitCode, 2);
    assert.equal(guardDecision(scoped('throttle'), agent, NOW).exitCode, 2);
    const other = guardDecision(scoped('stop'), { ...prompt, session_id: 'a-new-session' }, NOW);
    assert.deepEqual(other, { exitCode: 0, basis: 'other-session' });
    assert.equal(guardDecision(scoped('stop'), { hook_event_name: 'UserPromptSubmit' }, NOW).exitCode, 0, 'no session id: not the one');
  });
});

describe('readHookInput', () => {
  it('parses complete input, and gives up on complete input that is not JSON', () => {
    assert.deepEqual(readHookInput(JSON.stringify(agent), true), agent);
    assert.equal(readHookInput('{"hook_event_name":"UserPromptSubmit"', true), undefined);
  });

  it('reads the event and tool names from input cut off at the read limit', () => {
    const cut = JSON.stringify({ session_id: 's', hook_event_name: 'PreToolUse', tool_name: 'Agent', tool_input: { prompt: 'x'.repeat(100) } }).slice(0, 90);
    assert.deepEqual(readHookInput(cut, false), { hook_event_name: 'PreToolUse', tool_name: 'Agent', session_id: 's' });
    const promptCut = JSON.stringify({ ...prompt, prompt: 'y'.repeat(100) }).slice(0, 80);
    assert.equal(guardDecision(stateText('stop'), readHookInput(promptCut, false), NOW).exitCode, 2);
    assert.equal(readHookInput('{"session_id":"s","transcr', false), undefined);
  });
});
