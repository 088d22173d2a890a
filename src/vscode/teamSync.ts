// Team sync inside VS Code: settings (machine scope) say where and how, the token lives only in SecretStorage, the
// sync itself runs on the node side (src/node/teamSync.ts) off the ledger this window already holds. Passes wait for
// the meter's first scan (a half-read ledger would look like spend that went away). Commands: Configure Team Sync,
// Set Team Token, Sync Now.
import * as vscode from 'vscode';
import type { TeamPanel } from '../core/panelProtocol';
import type { Settings } from '../core/settings';
import { teamPanelView } from '../core/teamPanelView';
import { defaultMember, machineName } from '../node/memberIdentity';
import { TeamSync, readTeamStatus, type SyncPassResult, type TeamSyncStatus } from '../node/teamSync';
import { COMMANDS } from './commandIds';
import type { MeterHost } from './meterHost';

/** SecretStorage key of the team token. */
export const TEAM_TOKEN_KEY = 'agentMeter.teamSync.token';

const SYNC_KEYS: (keyof Settings)[] = [
  'teamSync.endpoint',
  'teamSync.team',
  'teamSync.member',
  'teamSync.mode',
  'teamSync.intervalSeconds',
  'teamSync.shareRepo',
  'teamSync.shareBranch',
  'stateDir',
  'timeZone',
];

export class TeamSyncHost implements vscode.Disposable {
  private sync: TeamSync | undefined;
  private hasToken = false;
  private status: TeamSyncStatus | undefined;
  private generation = 0;
  private readonly emitter = new vscode.EventEmitter<void>();
  /** Fires when the sync's state or the team's standing changed. */
  readonly onDidChange = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private settings: Settings,
    private readonly meter: MeterHost,
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
    private readonly clientVersion: string,
  ) {
    this.subscriptions.push(
      secrets.onDidChange((e) => {
        if (e.key === TEAM_TOKEN_KEY) void this.restart();
      }),
      // The meter restarts when the state dir or prices change: the sync follows once it is ready again.
      meter.onDidUpdate((u) => {
        if (u.event === 'ready') void this.restart();
      }),
    );
  }

  updateSettings(next: Settings): void {
    const previous = this.settings;
    this.settings = next;
    if (SYNC_KEYS.some((k) => JSON.stringify(previous[k]) !== JSON.stringify(next[k]))) void this.restart();
  }

  /** The panel's team section (null: team sync is off). */
  panelView(): TeamPanel | null {
    return teamPanelView(
      { endpoint: this.settings['teamSync.endpoint'], mode: this.settings['teamSync.mode'], hasToken: this.hasToken },
      this.status,
    );
  }

  /** (Re)builds the sync from the settings and the stored token. */
  async restart(): Promise<void> {
    const generation = ++this.generation;
    this.sync?.stop();
    this.sync = undefined;
    const s = this.settings;
    const token = await this.secrets.get(TEAM_TOKEN_KEY);
    if (generation !== this.generation) return;
    this.hasToken = Boolean(token);
    const stateDir = this.meter.stateDir;
    this.status = stateDir ? readTeamStatus(stateDir) : undefined;
    if (!s['teamSync.endpoint'] || !token || !stateDir) {
      if (s['teamSync.endpoint'] && !token) this.log.warn('team sync: no token yet (run "Agent Meter: Set Team Token")');
      this.emitter.fire();
      return;
    }
    const member = s['teamSync.member'] || (await defaultMember(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath));
    if (generation !== this.generation) return;
    this.sync = new TeamSync({
      stateDir,
      config: {
        endpoint: s['teamSync.endpoint'],
        token,
        mode: s['teamSync.mode'],
        team: s['teamSync.team'] || undefined,
        member,
        machine: machineName(),
        shareRepo: s['teamSync.shareRepo'],
        shareBranch: s['teamSync.shareBranch'],
        timeZone: this.meter.timeZone,
      },
      prices: this.meter.prices,
      records: () => this.meter.records(),
      changeStamp: () => this.meter.changeStamp(),
      ready: () => !this.meter.scanning,
      clientVersion: this.clientVersion,
      intervalMs: s['teamSync.intervalSeconds'] * 1000,
      log: (level, message) => this.log[level](message),
      onStatus: (status) => {
        this.status = status;
        this.emitter.fire();
      },
    });
    this.log.info(`team sync: ${s['teamSync.mode']} to ${s['teamSync.endpoint']} as ${member} every ${s['teamSync.intervalSeconds']} s`);
    this.emitter.fire();
    if (!this.meter.scanning) this.sync.start();
  }

  /** One pass now; undefined when team sync is not set up. */
  async syncNow(): Promise<SyncPassResult | undefined> {
    if (!this.sync) await this.restart();
    return this.sync?.syncNow();
  }

  get configured(): boolean {
    return Boolean(this.settings['teamSync.endpoint']);
  }

  dispose(): void {
    this.generation++;
    this.sync?.stop();
    for (const d of this.subscriptions) d.dispose();
    this.emitter.dispose();
  }
}

/** Configure Team Sync: endpoint, team, member, mode and sharing into the user settings, then the token. */
export async function configureTeamSync(settings: Settings): Promise<boolean> {
  const endpoint = await vscode.window.showInputBox({
    title: 'Team Sync (1/5): endpoint',
    prompt: 'URL of your team server, or an OTLP/HTTP receiver (empty turns team sync off)',
    value: settings['teamSync.endpoint'],
    placeHolder: 'https://meter.example.com',
    ignoreFocusOut: true,
    validateInput: (v) => (v === '' || /^https?:\/\/\S+$/.test(v) ? undefined : 'an http:// or https:// URL'),
  });
  if (endpoint === undefined) return false;
  const config = vscode.workspace.getConfiguration('agentMeter');
  const target = vscode.ConfigurationTarget.Global;
  if (endpoint === '') {
    await config.update('teamSync.endpoint', '', target);
    return true;
  }
  const team = await vscode.window.showInputBox({ title: 'Team Sync (2/5): team id', value: settings['teamSync.team'], ignoreFocusOut: true });
  if (team === undefined) return false;
  const member = await vscode.window.showInputBox({
    title: 'Team Sync (3/5): your name on the team',
    prompt: 'Empty = your git user.email',
    value: settings['teamSync.member'],
    ignoreFocusOut: true,
  });
  if (member === undefined) return false;
  const mode = await vscode.window.showQuickPick(
    [
      { label: 'agent-meter', description: 'an Agent Meter team server (team budgets come back into the panel)' },
      { label: 'otlp', description: 'OTLP/HTTP metrics to an OpenTelemetry receiver' },
    ],
    { title: 'Team Sync (4/5): what the endpoint speaks', ignoreFocusOut: true },
  );
  if (!mode) return false;
  const share = await vscode.window.showQuickPick(
    [
      { label: 'name', description: 'repo folder and branch names (never paths)' },
      { label: 'hash', description: 'salted hashes of repo and branch names' },
      { label: 'off', description: 'no repo or branch at all' },
    ],
    { title: 'Team Sync (5/5): how repo and branch names leave this machine', ignoreFocusOut: true },
  );
  if (!share) return false;
  await config.update('teamSync.endpoint', endpoint, target);
  await config.update('teamSync.team', team, target);
  await config.update('teamSync.member', member, target);
  await config.update('teamSync.mode', mode.label, target);
  await config.update('teamSync.shareRepo', share.label, target);
  await config.update('teamSync.shareBranch', share.label, target);
  return true;
}

/** Set Team Token: stored in SecretStorage only (empty input removes it). */
export async function askForTeamToken(secrets: vscode.SecretStorage): Promise<boolean> {
  const token = await vscode.window.showInputBox({
    title: 'Agent Meter: team token',
    prompt: 'The bearer token your team admin gave you (agent-meter serve token create). Empty removes it.',
    password: true,
    ignoreFocusOut: true,
  });
  if (token === undefined) return false;
  if (token === '') await secrets.delete(TEAM_TOKEN_KEY);
  else await secrets.store(TEAM_TOKEN_KEY, token.trim());
  return true;
}

/** Configure Team Sync, Set Team Token (a string argument stores it without asking: scripts, tests), Sync Now. */
export function registerTeamCommands(team: TeamSyncHost, secrets: vscode.SecretStorage, settings: () => Settings): vscode.Disposable[] {
  const syncNow = async (): Promise<SyncPassResult | undefined> => {
    if (!team.configured) {
      const pick = await vscode.window.showInformationMessage('Team sync is not set up yet.', 'Configure Team Sync');
      if (pick) await vscode.commands.executeCommand(COMMANDS.configureTeamSync);
      return undefined;
    }
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Agent Meter: syncing with the team' },
      () => team.syncNow(),
    );
    if (!result) void vscode.window.showWarningMessage('Team sync needs a token: run "Agent Meter: Set Team Token".');
    else if (!result.ran) void vscode.window.showInformationMessage('Team sync: another window is syncing right now, or the logs are still being read.');
    else if (result.outcome && !result.outcome.ok) void vscode.window.showErrorMessage(`Team sync failed: ${result.outcome.message}. ${result.pendingRows} row(s) kept; retrying on its own.`);
    else void vscode.window.showInformationMessage(`Team sync: ${result.sentRows} row(s) sent (${result.accepted} new, ${result.stale} already there).`);
    return result;
  };
  return [
    vscode.commands.registerCommand(COMMANDS.configureTeamSync, async () => {
      if (!(await configureTeamSync(settings()))) return;
      if (!(await secrets.get(TEAM_TOKEN_KEY)) && vscode.workspace.getConfiguration('agentMeter').get('teamSync.endpoint')) await askForTeamToken(secrets);
    }),
    vscode.commands.registerCommand(COMMANDS.setTeamToken, async (token?: unknown) => {
      if (typeof token === 'string') {
        if (token === '') await secrets.delete(TEAM_TOKEN_KEY);
        else await secrets.store(TEAM_TOKEN_KEY, token);
        return true;
      }
      return askForTeamToken(secrets);
    }),
    vscode.commands.registerCommand(COMMANDS.syncNow, syncNow),
  ];
}
