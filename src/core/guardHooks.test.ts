import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GUARD_MARKER, GUARD_TIMEOUT_SECONDS, installGuardHooks, isGuardHook, removeGuardHooks } from './guardHooks';

const CMD = `'/usr/bin/node' '/opt/agent-meter/dist/guard.js' ${GUARD_MARKER} --state-dir '/home/u/.agent-meter'`;
const CMD2 = `'/usr/bin/node' '/opt/agent-meter-2/dist/guard.js' ${GUARD_MARKER} --state-dir '/home/u/.agent-meter'`;

/** A user's settings with their own hooks on the same events and others. */
const userSettings = () => ({
  model: 'opus',
  env: { FOO: 'bar' },
  permissions: { allow: ['Bash(ls:*)'] },
  hooks: {
    UserPromptSubmit: [{ hooks: [{ type: 'command', command: '~/bin/log-prompt.sh' }] }],
    PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: '~/bin/check-bash.sh', timeout: 5 }] }],
    Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }],
  },
  statusLine: { type: 'command', command: 'agent-meter statusline' },
});

function ok<T extends { ok: boolean }>(r: T): Extract<T, { ok: true }> {
  assert.ok(r.ok, JSON.stringify(r));
  return r as Extract<T, { ok: true }>;
}

describe('installGuardHooks', () => {
  it('adds one group per event into empty settings, in the documented shape', () => {
    const r = ok(installGuardHooks(undefined, CMD));
    assert.equal(r.changed, true);
    assert.deepEqual(r.settings, {
      hooks: {
        UserPromptSubmit: [{ hooks: [{ type: 'command', command: CMD, timeout: GUARD_TIMEOUT_SECONDS }] }],
        PreToolUse: [{ matcher: 'Agent|Task', hooks: [{ type: 'command', command: CMD, timeout: GUARD_TIMEOUT_SECONDS }] }],
      },
    });
  });

  it('keeps every other setting and the user\'s own hooks, and does not change its input', () => {
    const before = userSettings();
    const r = ok(installGuardHooks(before, CMD));
    assert.deepEqual(before, userSettings());
    const s = r.settings as ReturnType<typeof userSettings>;
    assert.deepEqual(Object.keys(s), Object.keys(before));
    assert.deepEqual(s.env, before.env);
    assert.deepEqual(s.statusLine, before.statusLine);
    assert.deepEqual(s.hooks.Stop, before.hooks.Stop);
    assert.deepEqual(s.hooks.UserPromptSubmit[0], before.hooks.UserPromptSubmit[0]);
    assert.deepEqual(s.hooks.PreToolUse[0], before.hooks.PreToolUse[0]);
    assert.equal(s.hooks.UserPromptSubmit.length, 2);
    assert.equal(s.hooks.PreToolUse.length, 2);
    assert.deepEqual(s.hooks.PreToolUse[1], { matcher: 'Agent|Task', hooks: [{ type: 'command', command: CMD, timeout: GUARD_TIMEOUT_SECONDS }] });
  });

  it('is idempotent: a second install changes nothing and leaves one entry per event', () => {
    const once = ok(installGuardHooks(userSettings(), CMD));
    const twice = ok(installGuardHooks(once.settings, CMD));
    assert.equal(twice.changed, false);
    assert.deepEqual(twice.settings, once.settings);
    const hooks = twice.settings['hooks'] as Record<string, { hooks: unknown[] }[]>;
    for (const event of ['UserPromptSubmit', 'PreToolUse']) {
      assert.equal(hooks[event]!.flatMap((g) => g.hooks).filter(isGuardHook).length, 1, event);
    }
  });

  it('replaces an older entry of ours (another command) instead of adding a second', () => {
    const old = ok(installGuardHooks(userSettings(), CMD2));
    const r = ok(installGuardHooks(old.settings, CMD));
    assert.equal(r.changed, true);
    const commands = JSON.stringify(r.settings);
    assert.ok(!commands.includes('agent-meter-2'));
    assert.deepEqual(r.settings, ok(installGuardHooks(userSettings(), CMD)).settings);
  });

  it('refuses settings it cannot merge into without guessing', () => {
    for (const bad of [[], 'x', 3, null, { hooks: [] }, { hooks: 'x' }, { hooks: { PreToolUse: {} } }]) {
      assert.equal(installGuardHooks(bad, CMD).ok, false, JSON.stringify(bad));
    }
    assert.equal(installGuardHooks({}, '/usr/bin/node guard.js').ok, false);
  });

  it('leaves an odd value under an event it does not use alone', () => {
    const r = ok(installGuardHooks({ hooks: { Notification: 'weird' } }, CMD));
    assert.equal((r.settings['hooks'] as Record<string, unknown>)['Notification'], 'weird');
  });
});

describe('removeGuardHooks', () => {
  it('restores the settings as they were before install', () => {
    for (const before of [userSettings(), {}, { model: 'opus' }, { hooks: { Stop: [] } }]) {
      const installed = ok(installGuardHooks(before, CMD));
      const removed = ok(removeGuardHooks(installed.settings));
      assert.equal(removed.changed, true);
      assert.deepEqual(removed.events.sort(), ['PreToolUse', 'UserPromptSubmit']);
      assert.deepEqual(removed.settings, before);
    }
  });

  it('takes out only our entry from a group the user shares, and keeps groups the user left empty', () => {
    const settings = {
      hooks: {
        UserPromptSubmit: [{ hooks: [{ type: 'command', command: 'mine.sh' }, { type: 'command', command: CMD }] }],
        PreToolUse: [{ matcher: 'Edit', hooks: [] }],
      },
    };
    const r = ok(removeGuardHooks(settings));
    assert.deepEqual(r.settings, { hooks: { UserPromptSubmit: [{ hooks: [{ type: 'command', command: 'mine.sh' }] }], PreToolUse: [{ matcher: 'Edit', hooks: [] }] } });
    assert.deepEqual(r.events, ['UserPromptSubmit']);
  });

  it('does not take a hook for ours because its command merely mentions the marker text', () => {
    const settings = { hooks: { UserPromptSubmit: [{ hooks: [{ type: 'command', command: 'echo --agent-meter-guardian' }] }] } };
    const r = ok(removeGuardHooks(settings));
    assert.equal(r.changed, false);
    assert.deepEqual(r.settings, settings);
  });

  it('changes nothing when none of ours is there', () => {
    const r = ok(removeGuardHooks(userSettings()));
    assert.equal(r.changed, false);
    assert.deepEqual(r.settings, userSettings());
    assert.deepEqual(ok(removeGuardHooks(undefined)).settings, {});
  });
});
