import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { COMMANDS, PANEL_VIEW_TYPE } from './commandIds';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  activationEvents: string[];
  contributes: { commands: { command: string; title: string; category: string }[] };
};

describe('command ids', () => {
  it('match package.json both ways, each with the "Agent Meter" category', () => {
    assert.deepEqual(pkg.contributes.commands.map((c) => c.command).sort(), Object.values(COMMANDS).sort());
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'Agent Meter', c.command);
  });

  it('activate on startup (never *) and for a panel restored after a reload', () => {
    assert.ok(pkg.activationEvents.includes('onStartupFinished'));
    assert.ok(!pkg.activationEvents.includes('*'));
    assert.ok(pkg.activationEvents.includes(`onWebviewPanel:${PANEL_VIEW_TYPE}`));
  });
});
