import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { defaultSettings, parseSettings, SETTING_KEYS } from './settings';

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default: unknown; enum?: string[]; minimum?: number; maximum?: number }> } };
};
const properties = pkg.contributes.configuration.properties;

describe('settings', () => {
  it('declares exactly the schema\'s keys in package.json, with equal defaults', () => {
    assert.deepEqual(Object.keys(properties).sort(), SETTING_KEYS.map((k) => `agentMeter.${k}`).sort());
    const defaults = defaultSettings();
    for (const key of SETTING_KEYS) assert.deepEqual(properties[`agentMeter.${key}`]!.default, defaults[key], key);
  });

  it('offers the schema\'s enum values in package.json', () => {
    assert.deepEqual(properties['agentMeter.statusBar.show']!.enum, ['session', 'today']);
    assert.deepEqual(properties['agentMeter.teamSync.mode']!.enum, ['agent-meter', 'otlp']);
    assert.deepEqual(properties['agentMeter.teamSync.shareRepo']!.enum, ['name', 'hash', 'off']);
  });

  it('keeps where data goes out of a workspace\'s reach (machine scope), and refuses a non-http endpoint', () => {
    const scoped = properties as Record<string, { scope?: string }>;
    for (const key of Object.keys(scoped).filter((k) => k.startsWith('agentMeter.teamSync.'))) assert.equal(scoped[key]!.scope, 'machine', key);
    const { settings, problems } = parseSettings({ 'teamSync.endpoint': 'file:///etc/passwd', 'teamSync.intervalSeconds': 5 });
    assert.equal(settings['teamSync.endpoint'], '');
    assert.equal(settings['teamSync.intervalSeconds'], 60);
    assert.equal(problems.length, 2);
    assert.equal(parseSettings({ 'teamSync.endpoint': 'https://meter.example.com' }).settings['teamSync.endpoint'], 'https://meter.example.com');
  });

  it('keeps good values and falls back, with a reason, on bad ones', () => {
    const { settings, problems } = parseSettings({
      'budgets.daily': 25,
      'budgets.weekly': -3,
      'statusBar.show': 'forever',
      'pricing.overrides': [{ model: 'my-model', input: 1, output: 2 }],
      'sources.claudeConfigDirs': 'not-a-list',
    });
    assert.equal(settings['budgets.daily'], 25);
    assert.equal(settings['budgets.weekly'], null);
    assert.equal(settings['statusBar.show'], 'session');
    assert.deepEqual(settings['pricing.overrides'], [{ model: 'my-model', input: 1, output: 2 }]);
    assert.deepEqual(settings['sources.claudeConfigDirs'], []);
    assert.equal(problems.length, 3);
    assert.ok(problems.some((p) => p.startsWith('agentMeter.budgets.weekly:')));
    assert.ok(problems.some((p) => p.startsWith('agentMeter.statusBar.show:')));
  });

  it('rejects a price override with a typo in a field name (strict rows)', () => {
    const { settings, problems } = parseSettings({ 'pricing.overrides': [{ model: 'm', input: 1, ouput: 2 }] });
    assert.deepEqual(settings['pricing.overrides'], []);
    assert.equal(problems.length, 1);
  });

  it('restores 70/90/100 when the thresholds do not rise', () => {
    const { settings, problems } = parseSettings({ 'budgets.warnPercent': 95, 'budgets.throttlePercent': 90 });
    assert.deepEqual([settings['budgets.warnPercent'], settings['budgets.throttlePercent'], settings['budgets.stopPercent']], [70, 90, 100]);
    assert.match(problems[0]!, /thresholds must rise/);
  });
});
