// Notifications (DESIGN §1): shows what src/core/notificationPlan.ts decides, after every pass of the detectors (at
// most every 2 s while the logs change, and once a minute), and persists what was said in globalState. Each toast has
// "Open Panel" (on the finding's or the session budget's session) and "Snooze" (24 hours for that finding or that
// budget line's period).
//
// How loud: an error toast only for a budget at stop (the budget is used up and, with the guard, Claude Code starts
// no new prompts: work is blocked until the user acts). Throttle and every finding, critical ones included, are
// warnings: nothing has failed, they are advice about money, and red toasts for advice teach people to ignore red.
// The warn level (70% by default) and "projected to exceed" are information: a heads-up, not yet a problem.
import * as vscode from 'vscode';
import { planNotifications, type PlannedNotification } from '../core/notificationPlan';
import { liveBudgetLines } from '../core/panelView';
import { budgetsOf, type Settings } from '../core/settings';
import type { AlertStore } from './alertStore';
import type { FindingsHost } from './findingsHost';
import type { MeterHost } from './meterHost';

const OPEN_PANEL = 'Open Panel';
const SNOOZE = 'Snooze';
/** How many shown notifications the API keeps for tests and diagnostics. */
const HISTORY = 50;

export class Notifier implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[] = [];
  /** The notifications shown in this window, oldest first (the last HISTORY). */
  readonly shown: PlannedNotification[] = [];

  constructor(
    private readonly host: MeterHost,
    private readonly findings: FindingsHost,
    private readonly alerts: AlertStore,
    private settings: Settings,
    private readonly openPanel: (sessionId?: string) => void,
  ) {
    this.subscriptions.push(findings.onDidChange(() => this.evaluate()));
  }

  updateSettings(settings: Settings): void {
    this.settings = settings;
  }

  private evaluate(): void {
    const live = this.host.live;
    if (!live || this.host.scanning) return;
    const now = new Date();
    const before = this.alerts.memory;
    const plan = planNotifications({
      findings: this.findings.live,
      lines: liveBudgetLines(live, budgetsOf(this.settings), now),
      memory: before,
      now,
      enabled: this.settings['notifications.enabled'],
      sessionName: (id) => this.findings.sessionName(id),
    });
    if (JSON.stringify(plan.memory) !== JSON.stringify(before)) void this.alerts.save(plan.memory);
    for (const n of plan.show) this.show(n);
  }

  private show(n: PlannedNotification): void {
    this.shown.push(n);
    if (this.shown.length > HISTORY) this.shown.shift();
    const actions = n.subject ? [OPEN_PANEL, SNOOZE] : [OPEN_PANEL];
    const shown =
      n.level === 'error' ? vscode.window.showErrorMessage(n.message, ...actions)
      : n.level === 'warning' ? vscode.window.showWarningMessage(n.message, ...actions)
      : vscode.window.showInformationMessage(n.message, ...actions);
    void shown.then((choice) => {
      if (choice === OPEN_PANEL) this.openPanel(n.sessionId);
      else if (choice === SNOOZE) void this.alerts.snooze(n.subject);
    });
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
