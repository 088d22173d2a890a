// What Agent Meter already told the user and what the user snoozed (src/core/notificationPlan.ts decides with it),
// kept in `globalState` so a restart neither repeats a notification nor brings a snoozed finding back.
import * as vscode from 'vscode';
import { findingSubject, readMemory, snooze, type AlertMemory } from '../core/notificationPlan';

const STATE_KEY = 'agentMeter.alerts';

export class AlertStore implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  /** Fires after a snooze (what the panel and the tooltip list changes). */
  readonly onDidSnooze = this.emitter.event;

  constructor(private readonly state: vscode.Memento) {}

  /** The memory as stored (validated: a malformed value reads as empty). */
  get memory(): AlertMemory {
    return readMemory(this.state.get(STATE_KEY));
  }

  async save(memory: AlertMemory): Promise<void> {
    await this.state.update(STATE_KEY, memory);
  }

  /** Snoozes a subject (`finding:<id>` or a budget line's `<line>:<period>`) for 24 hours. */
  async snooze(subject: string, now = new Date()): Promise<void> {
    await this.save(snooze(this.memory, subject, now));
    this.emitter.fire();
  }

  snoozeFinding(id: string, now = new Date()): Promise<void> {
    return this.snooze(findingSubject(id), now);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
