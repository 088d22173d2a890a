// Publishes the budget state for the Claude Code guard (DESIGN §6): `<stateDir>/budget-state.json`, in the state dir
// the ledger uses. Written as soon as the state (ok / warn / throttle / stop) changes, when only its reason's figures
// changed at most every REASON_INTERVAL_MS, and every BUDGET_STATE_HEARTBEAT_MS regardless: the guard ignores a file
// older than 10 minutes, so a window that keeps running keeps it fresh, and one that is gone stops enforcing.
// Nothing is written until the first scan is done: a half-read ledger would publish "ok" for a budget already spent.
import * as vscode from 'vscode';
import type { BudgetState } from '../core/guardDecision';
import type { BudgetSummary, TeamPanel } from '../core/panelProtocol';
import { budgetState, liveBudgetLines } from '../core/panelView';
import { budgetsOf, type Settings } from '../core/settings';
import { BUDGET_STATE_HEARTBEAT_MS, writeBudgetState } from '../node/budgetStateFile';
import type { MeterHost } from './meterHost';

/** A reason whose figures moved (the spend grew) but whose state did not is rewritten at most this often. */
const REASON_INTERVAL_MS = 5000;

export class BudgetStatePublisher implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly heartbeat: NodeJS.Timeout;
  private timer: NodeJS.Timeout | undefined;
  private writtenAt = -Infinity;
  private writtenTo: string | undefined;
  private failing = false;
  /** What was last written (for the integration tests and the log). */
  last: BudgetState | undefined;
  /** The team section's source (set when team sync is wired in). */
  teamView: () => TeamPanel | null = () => null;

  constructor(
    private readonly host: MeterHost,
    private settings: Settings,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions.push(host.onDidUpdate(() => this.schedule()));
    this.heartbeat = setInterval(() => this.publish(true), BUDGET_STATE_HEARTBEAT_MS);
  }

  updateSettings(settings: Settings): void {
    this.settings = settings;
    this.schedule();
  }

  /** Publishes soon, after the current event (the status bar's listener runs first). */
  schedule(delayMs = 0): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.publish(false);
    }, delayMs);
  }

  /** The state the guard should enforce now, or undefined before the first scan is done. */
  current(now = new Date()): BudgetSummary | undefined {
    const live = this.host.live;
    if (!live || this.host.scanning) return undefined;
    return budgetState(liveBudgetLines(live, budgetsOf(this.settings), now), this.teamView());
  }

  private publish(force: boolean): void {
    const stateDir = this.host.stateDir;
    const now = new Date();
    const summary = this.current(now);
    if (!summary || !stateDir) return;
    const changed = !this.last || this.last.state !== summary.state || this.last.sessionId !== summary.sessionId || this.writtenTo !== stateDir;
    const moved = this.last?.reason !== summary.reason;
    if (!force && !changed) {
      if (!moved) return;
      const wait = this.writtenAt + REASON_INTERVAL_MS - performance.now();
      if (wait > 0) {
        this.schedule(wait);
        return;
      }
    }
    try {
      // A session budget's state names its session: the guard applies it to that session only.
      this.last = writeBudgetState(stateDir, summary, now);
      this.writtenAt = performance.now();
      if (changed) this.log.info(`budget state: ${summary.state}${summary.reason ? ` (${summary.reason})` : ''}`);
      this.writtenTo = stateDir;
      this.failing = false;
    } catch (err) {
      // Once per run of failures: the heartbeat would repeat it every minute.
      if (!this.failing) this.log.warn(`could not write the budget state to ${stateDir}: ${err instanceof Error ? err.message : String(err)}`);
      this.failing = true;
    }
  }

  dispose(): void {
    clearInterval(this.heartbeat);
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.subscriptions) d.dispose();
  }
}
