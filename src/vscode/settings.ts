// Reads the `agentMeter.*` settings once into the typed shape of src/core/settings.ts, and again only when a change
// touches that section. Bad values fall back to defaults and are reported to the log, once per change.
import * as vscode from 'vscode';
import { parseSettings, SETTING_KEYS, type ParsedSettings, type SettingKey, type Settings } from '../core/settings';

export const SECTION = 'agentMeter';

export function readSettings(): ParsedSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const raw: Partial<Record<SettingKey, unknown>> = {};
  for (const key of SETTING_KEYS) raw[key] = config.get(key);
  return parseSettings(raw);
}

export class SettingsWatcher implements vscode.Disposable {
  private parsed = readSettings();
  private readonly emitter = new vscode.EventEmitter<{ previous: Settings; current: Settings }>();
  private readonly subscription: vscode.Disposable;
  /** Fires after the settings changed (with the values before and after). */
  readonly onDidChange = this.emitter.event;

  constructor(private readonly report: (problem: string) => void) {
    for (const p of this.parsed.problems) report(p);
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      const previous = this.parsed.settings;
      this.parsed = readSettings();
      for (const p of this.parsed.problems) report(p);
      this.emitter.fire({ previous, current: this.parsed.settings });
    });
  }

  get current(): Settings {
    return this.parsed.settings;
  }

  get problems(): string[] {
    return this.parsed.problems;
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
