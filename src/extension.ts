// Extension entry point (DESIGN §8): composes the live meter (src/node) with the thin VS Code adapters (status bar,
// commands, panel, settings, log). Every registration is owned by `context.subscriptions` (STYLE 5).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PlannedNotification } from './core/notificationPlan';
import type { PanelSnapshot, TeamPanel } from './core/panelProtocol';
import type { StatusBarView } from './core/statusBarView';
import { AlertStore } from './vscode/alertStore';
import { registerBudgetCommand } from './vscode/budgetCommand';
import { BudgetStatePublisher } from './vscode/budgetStatePublisher';
import { registerCommands } from './vscode/commands';
import { FindingsHost } from './vscode/findingsHost';
import { MeterHost, type MeterUpdate } from './vscode/meterHost';
import { Notifier } from './vscode/notifications';
import { PanelHost } from './vscode/panel';
import { SettingsWatcher } from './vscode/settings';
import { StatusBar } from './vscode/statusBar';
import { TeamSyncHost, registerTeamCommands } from './vscode/teamSync';
import { refreshInstalledGuards, registerGuardCommands } from './vscode/guardCommands';
import { VERSION } from './cli/version';

/** What `activate` returns: read-only probes for scripts and the integration tests. */
export interface AgentMeterApi {
  /** Resolves when the first scan of the logs is done. */
  whenReady(): Promise<void>;
  /** Resolves when no log read is queued or running. */
  idle(): Promise<void>;
  statusBar(): StatusBarView | undefined;
  /** performance.now() of the status bar text's last change. */
  statusChangedAt(): number;
  panel(): { open: boolean; readyCount: number; lastSnapshot: PanelSnapshot | undefined; rejectedMessages: number };
  onDidUpdate: vscode.Event<MeterUpdate>;
  /** Milliseconds from activate() to the end of the first scan. */
  activationMs(): number | undefined;
  isWriter(): boolean;
  /** The team section as the panel shows it (null: team sync off). */
  team(): TeamPanel | null;
  /** Notifications shown in this window, oldest first. */
  notifications(): readonly PlannedNotification[];
}

/** The running meter, so deactivate can wait for it to release the ledger's writer lock. */
let running: MeterHost | undefined;

export function activate(context: vscode.ExtensionContext): AgentMeterApi {
  const startedAt = performance.now();
  let readyAt: number | undefined;
  const log = vscode.window.createOutputChannel('Agent Meter', { log: true });
  const settings = new SettingsWatcher((problem) => log.warn(problem));
  const host = new MeterHost(settings.current, log);
  running = host;
  const statusBar = new StatusBar(host, settings.current);
  const panel = new PanelHost(context.extensionUri, host, settings.current, log);
  const team = new TeamSyncHost(settings.current, host, context.secrets, log, VERSION);
  panel.teamView = () => team.panelView();
  statusBar.teamView = () => team.panelView();
  // Findings, the guard's budget state and notifications: computed at their own pace, shown by the surfaces above.
  const alerts = new AlertStore(context.globalState);
  const findings = new FindingsHost(host, settings.current, alerts);
  const budgetState = new BudgetStatePublisher(host, settings.current, log);
  const notifier = new Notifier(host, findings, alerts, settings.current, (sessionId) => panel.show(sessionId));
  panel.findings = (sessionId) => findings.forPanel(sessionId);
  panel.snoozeFinding = (id) => alerts.snoozeFinding(id);
  statusBar.findings = () => findings.visibleLive();
  statusBar.sessionName = (id) => findings.sessionName(id);
  budgetState.teamView = () => team.panelView();
  context.subscriptions.push(alerts, findings, budgetState, notifier, registerBudgetCommand());
  context.subscriptions.push(log, settings, host, statusBar, panel, team, ...registerCommands(host, panel, log));
  context.subscriptions.push(...registerTeamCommands(team, context.secrets, () => settings.current));
  const guardSources = { stateDir: () => host.stateDir, claudeConfigDirs: () => settings.current['sources.claudeConfigDirs'] };
  registerGuardCommands(context, guardSources);
  // Once the first scan is done (the state dir is known): an installed guard that runs another Agent Meter (the
  // version before an update) is pointed at this one.
  const guardRefresh = host.onDidUpdate((u) => {
    if (u.event !== 'ready') return;
    guardRefresh.dispose();
    refreshInstalledGuards(path.join(context.extensionPath, 'dist', 'guard.js'), guardSources, log);
  });
  context.subscriptions.push(guardRefresh);
  context.subscriptions.push(
    team.onDidChange(() => {
      panel.schedule();
      statusBar.render();
      budgetState.schedule();
    }),
    findings.onDidChange(() => {
      panel.schedule();
      statusBar.render();
    }),
    settings.onDidChange(({ current }) => {
      host.updateSettings(current);
      statusBar.updateSettings(current);
      panel.updateSettings(current);
      team.updateSettings(current);
      findings.updateSettings(current);
      budgetState.updateSettings(current);
      notifier.updateSettings(current);
    }),
  );
  const ready = host.start().then(() => {
    readyAt ??= performance.now();
  });

  return {
    whenReady: () => ready.then(() => host.ready),
    idle: () => host.idle(),
    statusBar: () => statusBar.view,
    statusChangedAt: () => statusBar.changedAt,
    panel: () => ({ open: panel.isOpen, readyCount: panel.readyCount, lastSnapshot: panel.lastSnapshot, rejectedMessages: panel.rejectedMessages }),
    onDidUpdate: host.onDidUpdate,
    activationMs: () => (readyAt === undefined ? undefined : readyAt - startedAt),
    isWriter: () => host.isWriter,
    team: () => team.panelView(),
    notifications: () => notifier.shown,
  };
}

/** VS Code disposes `context.subscriptions`; this waits for the meter to stop and release its lock. */
export function deactivate(): Promise<void> | undefined {
  const host = running;
  running = undefined;
  return host?.stop();
}
