// The one status bar item (STYLE 9): id + name, text with one codicon, markdown tooltip, accessibility label, the
// theme's warning/error background only when a budget threshold or the critical context level is crossed. The
// view itself is src/core/statusBarView.ts; this copies it onto the item, right after every ledger update, and adds
// the live findings (at most three) to the tooltip.
import * as vscode from 'vscode';
import type { Finding } from '../core/findings';
import { findingsTooltipLines } from '../core/notificationPlan';
import type { TeamPanel } from '../core/panelProtocol';
import { budgetsOf, type Settings } from '../core/settings';
import { dataWarnings, statusBarView, type StatusBarView } from '../core/statusBarView';
import { COMMANDS } from './commandIds';
import type { MeterHost } from './meterHost';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  /** The last view shown (what the tests read back). */
  view: StatusBarView | undefined;
  /** performance.now() of the last time the item's text changed. */
  changedAt = 0;
  private readonly subscriptions: vscode.Disposable[] = [];
  private clock: NodeJS.Timeout;
  /** The team section's source (set when team sync is wired in). */
  teamView: () => TeamPanel | null = () => null;
  /** Live findings the user has not snoozed, and a session's short name (set when the findings are wired in). */
  findings: () => readonly Finding[] = () => [];
  sessionName: (sessionId: string) => string = (id) => id.slice(0, 8);

  constructor(
    private readonly host: MeterHost,
    private settings: Settings,
  ) {
    this.item = vscode.window.createStatusBarItem('agentMeter.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Agent Meter';
    this.item.command = COMMANDS.openPanel;
    this.subscriptions.push(host.onDidUpdate(() => this.render()));
    // "Today" and the burn rate move with the clock even when no log does.
    this.clock = setInterval(() => this.render(), 60_000);
    this.render();
    this.item.show();
  }

  updateSettings(settings: Settings): void {
    this.settings = settings;
    this.render();
  }

  render(): void {
    const live = this.host.live;
    const s = this.settings;
    if (!live) return;
    const view = statusBarView({
      live,
      show: s['statusBar.show'],
      budgets: budgetsOf(s),
      contextCriticalPercent: s['context.criticalPercent'],
      now: new Date(),
      scanning: this.host.scanning,
      dataWarnings: this.host.ledger ? dataWarnings(this.host.ledger.diagnostics, this.host.warnings) : [],
      team: this.teamView(),
    });
    if (view.text !== this.view?.text) this.changedAt = performance.now();
    // Up to three live findings under the breakdown; the background stays budget-driven (statusBarView).
    const findings = this.findings();
    const findingLines = findingsTooltipLines(findings, this.sessionName);
    const n = findings.length;
    const full = n
      ? { ...view, tooltip: `${view.tooltip}\n\n---\n\n${findingLines.join('\n')}`, accessibilityLabel: `${view.accessibilityLabel}; ${n} ${n === 1 ? 'finding' : 'findings'}` }
      : view;
    this.view = full;
    this.item.text = view.text;
    const tooltip = new vscode.MarkdownString(full.tooltip, true);
    this.item.tooltip = tooltip;
    this.item.accessibilityInformation = { label: full.accessibilityLabel, role: 'button' };
    this.item.backgroundColor =
      view.background === 'none' ? undefined : new vscode.ThemeColor(view.background === 'error' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
  }

  dispose(): void {
    clearInterval(this.clock);
    for (const d of this.subscriptions) d.dispose();
    this.item.dispose();
  }
}
