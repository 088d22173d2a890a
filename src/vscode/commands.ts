// The palette commands (category "Agent Meter"): Show Session Cost, Open Budget Panel, Export Report, Show Log.
// Each takes optional arguments so scripts (and the integration tests) can run it without the UI.
import * as os from 'node:os';
import * as vscode from 'vscode';
import { contextOf } from '../core/liveTotals';
import { sessionLabel, sessionName } from '../core/panelView';
import { buildReport } from '../core/report';
import { reportCsv, reportJson } from '../core/reportJson';
import { sessionBreakdown, type SessionBreakdown } from '../core/sessionBreakdown';
import { compactNumber, money, requestCount } from '../core/statusBarView';
import { COMMANDS } from './commandIds';
import type { MeterHost } from './meterHost';
import type { PanelHost } from './panel';

const MAX_PICKS = 50;

const TOKEN_TYPE_NAMES: Record<SessionBreakdown['byTokenType'][number]['type'], string> = {
  input: 'Input',
  output: 'Output',
  cacheRead: 'Cache read',
  cacheWrite5m: 'Cache write (5 min)',
  cacheWrite1h: 'Cache write (1 hour)',
  webSearch: 'Web search requests',
};

function ago(iso: string, now: number): string {
  const minutes = Math.max(0, Math.round((now - Date.parse(iso)) / 60_000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h ago`;
  return `${Math.round(minutes / 1440)} days ago`;
}

export function registerCommands(host: MeterHost, panel: PanelHost, log: vscode.LogOutputChannel): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(COMMANDS.openPanel, (sessionId?: unknown) => panel.show(typeof sessionId === 'string' ? sessionId : undefined)),
    vscode.commands.registerCommand(COMMANDS.showLog, () => log.show(true)),
    vscode.commands.registerCommand(COMMANDS.showSessionCost, (sessionId?: unknown) => showSessionCost(host, typeof sessionId === 'string' ? sessionId : undefined)),
    vscode.commands.registerCommand(COMMANDS.exportReport, (target?: unknown) => exportReport(host, log, target instanceof vscode.Uri ? target : undefined)),
  ];
}

/** Quick pick of live and recent sessions; the chosen one's breakdown, with copy-as-JSON. Returns the breakdown. */
async function showSessionCost(host: MeterHost, sessionId: string | undefined): Promise<SessionBreakdown | undefined> {
  const live = host.live;
  const ledger = host.ledger;
  if (!live || !ledger) return undefined;
  if (!sessionId) {
    const now = Date.now();
    const sessions = [...live.sessions.values()].sort((a, b) => (a.lastAt < b.lastAt ? 1 : -1)).slice(0, MAX_PICKS);
    if (sessions.length === 0) {
      void vscode.window.showInformationMessage(host.scanning ? 'Agent Meter is still reading the agent logs.' : 'Agent Meter found no agent sessions yet.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      sessions.map((s) => {
        const ctx = contextOf(s, live.prices);
        const fill = s.latest && ctx.window ? ` · ${Math.round((100 * ctx.tokens) / ctx.window)}% ctx` : '';
        return {
          label: `$(pulse) ${sessionLabel(s)}`,
          description: `${ctx.model ?? s.agent} · ${requestCount(s.requests)}${fill}`,
          detail: `${s.agent === 'codex' ? 'Codex' : 'Claude Code'} · last active ${ago(s.lastAt, now)}${s.project ? ` · ${s.project}` : ''}`,
          sessionId: s.sessionId,
        };
      }),
      { title: 'Agent Meter: Session Cost', placeHolder: 'Pick a session to see its cost by model, token type and subagent', matchOnDescription: true, matchOnDetail: true },
    );
    if (!picked) return undefined;
    sessionId = picked.sessionId;
  }
  const breakdown = sessionBreakdown(ledger, host.prices, sessionId);
  if (!breakdown) {
    void vscode.window.showWarningMessage(`Agent Meter: no requests for session ${sessionId}.`);
    return undefined;
  }
  await showBreakdown(breakdown);
  return breakdown;
}

type BreakdownItem = vscode.QuickPickItem & { action?: 'copy' | 'panel' };

async function showBreakdown(b: SessionBreakdown): Promise<void> {
  const sep = (label: string): BreakdownItem => ({ label, kind: vscode.QuickPickItemKind.Separator });
  const row = (label: string, description: string, detail?: string): BreakdownItem => ({ label, description, detail });
  const items: BreakdownItem[] = [
    { label: '$(copy) Copy as JSON', action: 'copy' },
    { label: '$(graph) Open in Budget Panel', action: 'panel' },
    sep('Total'),
    row(money(b.costUsd), `${requestCount(b.requests)}${b.estimatedExtraUsd > 0 ? ` · + ${money(b.estimatedExtraUsd)} estimated (unlogged requests)` : ''}`, `context ${compactNumber(b.contextTokens)} / ${compactNumber(b.contextWindow)}`),
    sep('By model'),
    ...b.byModel.map((m) => row(m.model, `${money(m.costUsd)} · ${requestCount(m.requests)}`, m.pricedAs ? undefined : 'unpriced: not in the cost')),
    sep('By token type'),
    ...b.byTokenType.filter((t) => t.tokens > 0).map((t) => row(TOKEN_TYPE_NAMES[t.type], `${money(t.costUsd)} · ${compactNumber(t.tokens)}`)),
    sep('By agent'),
    ...b.byAgent.map((a) => row(a.agentId === null ? 'Main thread' : `Subagent ${a.agentId}`, `${money(a.costUsd)} · ${requestCount(a.requests)}`)),
  ];
  const picked = await vscode.window.showQuickPick(items, { title: `Session ${sessionName(b.sessionId, b.project)}`, placeHolder: 'Copy as JSON, or open the panel' });
  if (picked?.action === 'copy') {
    await vscode.env.clipboard.writeText(JSON.stringify(b, null, 2));
    void vscode.window.showInformationMessage('Agent Meter: session breakdown copied as JSON.');
  } else if (picked?.action === 'panel') {
    await vscode.commands.executeCommand(COMMANDS.openPanel, b.sessionId);
  }
}

/** Saves the report as CSV (one row per session) or JSON (the `report --json` document), by file extension. */
async function exportReport(host: MeterHost, log: vscode.LogOutputChannel, target: vscode.Uri | undefined): Promise<vscode.Uri | undefined> {
  const ledger = host.ledger;
  if (!ledger) return undefined;
  if (!target) {
    const home = vscode.Uri.file(os.homedir());
    const date = new Date().toISOString().slice(0, 10);
    target = await vscode.window.showSaveDialog({
      title: 'Agent Meter: Export Report',
      defaultUri: vscode.Uri.joinPath(home, `agent-meter-report-${date}.csv`),
      filters: { 'CSV (one row per session)': ['csv'], 'JSON (full report)': ['json'] },
      saveLabel: 'Export',
    });
    if (!target) return undefined;
  }
  const report = buildReport(ledger, host.prices, { timeZone: host.timeZone }, new Date());
  const json = target.path.toLowerCase().endsWith('.json');
  const text = json ? `${JSON.stringify(reportJson(report), null, 2)}\n` : reportCsv(report);
  await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
  log.info(`exported ${report.sessions.length} sessions as ${json ? 'JSON' : 'CSV'} to ${target.fsPath}`);
  void vscode.window.showInformationMessage(`Agent Meter: report saved to ${target.fsPath}`);
  return target;
}
