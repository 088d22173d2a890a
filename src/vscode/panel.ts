// The budget panel's host side (STYLE 6, 7): one panel, restored after a reload by a serializer; a strict CSP with
// a nonce, scripts and styles only from dist/; inbound messages validated against the protocol's zod schema;
// complete snapshots pushed after `ready`, after every ledger update (at most every THROTTLE_MS while visible) and
// when the panel becomes visible again.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Finding } from '../core/findings';
import { panelStateSchema, webviewMessageSchema, type HostMessage, type PanelSnapshot, type PanelState, type TeamPanel } from '../core/panelProtocol';
import { buildPanelSnapshot } from '../core/panelView';
import { budgetsOf, type Settings } from '../core/settings';
import { COMMANDS, PANEL_VIEW_TYPE } from './commandIds';
import type { MeterHost } from './meterHost';

const THROTTLE_MS = 250;

export class PanelHost implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelSubscriptions: vscode.Disposable[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];
  private state: PanelState = panelStateSchema.parse({});
  private timer: NodeJS.Timeout | undefined;
  private lastPostAt = 0;
  /** For tests and diagnostics: `ready` handshakes seen, and the last snapshot posted. */
  readyCount = 0;
  lastSnapshot: PanelSnapshot | undefined;
  rejectedMessages = 0;
  /** The team section's source (set when team sync is wired in). */
  teamView: () => TeamPanel | null = () => null;
  /** The findings to list, given the selected session (set when the findings are wired in). */
  findings: (selectedSessionId: string | undefined) => Finding[] = () => [];
  /** Snoozes a finding for 24 hours (the next snapshot leaves it out). */
  snoozeFinding: (id: string) => Promise<void> = async () => {};

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: MeterHost,
    private settings: Settings,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(
      host.onDidUpdate(() => this.schedule()),
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const parsed = panelStateSchema.safeParse(state ?? {});
          if (parsed.success) this.state = parsed.data;
          this.attach(panel);
        },
      }),
    );
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  updateSettings(settings: Settings): void {
    this.settings = settings;
    this.schedule();
  }

  /** Opens the panel (or reveals it), optionally on one session. */
  show(sessionId?: string): void {
    if (sessionId) this.state = { ...this.state, sessionId };
    if (this.panel) {
      this.panel.reveal();
      this.post();
      return;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Agent Meter', vscode.ViewColumn.Active, this.webviewOptions());
    this.attach(panel);
  }

  private webviewOptions(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.svg');
    panel.webview.options = this.webviewOptions();
    panel.webview.html = this.html(panel.webview);
    this.panelSubscriptions = [
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      panel.onDidChangeViewState(() => {
        if (panel.visible) this.post();
      }),
      panel.onDidDispose(() => {
        for (const d of this.panelSubscriptions) d.dispose();
        this.panelSubscriptions = [];
        this.panel = undefined;
      }),
    ];
  }

  private html(webview: vscode.Webview): string {
    const nonce = randomBytes(16).toString('base64');
    const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', name)).toString();
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
    ].join('; ');
    return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp};">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('webview.css')}"><title>Agent Meter</title></head>
<body><main id="app" aria-busy="true"></main><script nonce="${nonce}" src="${asset('webview.js')}"></script></body></html>`;
  }

  private receive(raw: unknown): void {
    const parsed = webviewMessageSchema.safeParse(raw);
    if (!parsed.success) {
      this.rejectedMessages++;
      this.log.warn(`panel: ignored a malformed message from the webview (${parsed.error.issues[0]?.message ?? 'invalid'})`);
      return;
    }
    const m = parsed.data;
    switch (m.type) {
      case 'ready':
        this.readyCount++;
        this.post();
        return;
      case 'selectSession':
        this.state = { ...this.state, sessionId: m.sessionId };
        this.post();
        return;
      case 'setRange':
        this.state = { ...this.state, range: m.range };
        this.post();
        return;
      case 'runCommand': {
        const target = {
          exportReport: COMMANDS.exportReport,
          showLog: COMMANDS.showLog,
          showSessionCost: COMMANDS.showSessionCost,
          configureTeamSync: COMMANDS.configureTeamSync,
          syncNow: COMMANDS.syncNow,
          setBudget: COMMANDS.setBudget,
          openSettings: 'workbench.action.openSettings',
        }[m.command];
        void vscode.commands.executeCommand(target, ...(m.command === 'openSettings' ? ['agentMeter'] : []));
        return;
      }
      case 'snoozeFinding':
        void this.snoozeFinding(m.id).then(() => this.post());
        return;
    }
  }

  /** Posts soon: immediately when the last post is older than THROTTLE_MS, else once at the end of that window. */
  /** Posts a fresh snapshot soon (throttled). */
  schedule(): void {
    if (!this.panel?.visible || this.timer) return;
    const wait = Math.max(0, this.lastPostAt + THROTTLE_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.post();
    }, wait);
  }

  /** The current snapshot (also what the panel shows). */
  snapshot(): PanelSnapshot | undefined {
    const { ledger, live } = this.host;
    if (!ledger || !live) return undefined;
    // The session the snapshot will show (buildPanelSnapshot's rule): the chosen one, else the latest.
    const wanted = this.state.sessionId;
    const selectedId = wanted && live.sessions.has(wanted) ? wanted : live.latestSession()?.sessionId;
    return buildPanelSnapshot({
      ledger,
      live,
      prices: this.host.prices,
      budgets: budgetsOf(this.settings),
      state: this.state,
      now: new Date(),
      scanning: this.host.scanning,
      warnings: this.host.warnings,
      team: this.teamView(),
      findings: this.findings(selectedId),
    });
  }

  private post(): void {
    const panel = this.panel;
    if (!panel) return;
    const snapshot = this.snapshot();
    if (!snapshot) return;
    this.lastPostAt = performance.now();
    this.lastSnapshot = snapshot;
    const message: HostMessage = { type: 'snapshot', snapshot };
    void panel.webview.postMessage(message);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.panelSubscriptions) d.dispose();
    this.panel?.dispose();
    for (const d of this.subscriptions) d.dispose();
  }
}
