// The detectors' findings for the editor's surfaces (panel, status bar tooltip, notifications). Running them costs a
// pass over the sessions' records, so the live findings (sessions active in the last 24 hours) are recomputed at most
// every COMPUTE_INTERVAL_MS while the ledger changes, and once a minute besides (the 24-hour window and the burn
// window move with the clock). The panel's selected session, which may be older, is computed on demand and cached
// until the ledger changes (again at most every COMPUTE_INTERVAL_MS). Snoozed findings are left out everywhere.
import * as vscode from 'vscode';
import type { Finding } from '../core/findings';
import { findingsOf, liveFindings } from '../core/findingsView';
import { findingSubject, isSnoozed, surfacedFindings } from '../core/notificationPlan';
import { sessionName } from '../core/panelView';
import { thresholdsOf, type Settings } from '../core/settings';
import type { AlertStore } from './alertStore';
import type { MeterHost } from './meterHost';

/** At most one pass of the detectors per this many milliseconds while the logs change. */
export const COMPUTE_INTERVAL_MS = 2000;
const CLOCK_MS = 60_000;

interface SelectedCache {
  sessionId: string;
  stamp: string;
  at: number;
  findings: Finding[];
}

export class FindingsHost implements vscode.Disposable {
  private liveList: Finding[] = [];
  private selected: SelectedCache | undefined;
  private lastRunAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private readonly clock: NodeJS.Timeout;
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Fires after every pass of the live detectors and after a snooze. */
  readonly onDidChange = this.emitter.event;
  /** For diagnostics and tests: passes run, and the last one's duration. */
  runs = 0;
  lastRunMs = 0;

  constructor(
    private readonly host: MeterHost,
    private settings: Settings,
    private readonly alerts: AlertStore,
  ) {
    this.subscriptions.push(
      host.onDidUpdate((u) => {
        if (u.event === 'restart') {
          this.liveList = [];
          this.selected = undefined;
        }
        this.schedule();
      }),
      alerts.onDidSnooze(() => this.emitter.fire()),
    );
    this.clock = setInterval(() => this.schedule(), CLOCK_MS);
  }

  updateSettings(settings: Settings): void {
    this.settings = settings;
    this.selected = undefined;
    this.schedule();
  }

  /** Runs the live detectors soon: right after the current event (never inside a listener that the status bar waits
   * behind), or at the end of the current interval when the last pass was less than COMPUTE_INTERVAL_MS ago. */
  schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastRunAt + COMPUTE_INTERVAL_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
  }

  private run(): void {
    const { ledger, live } = this.host;
    // The first scan's partial ledger would give partial findings; its 'ready' update schedules the real pass.
    if (!ledger || !live || this.host.scanning) return;
    const started = performance.now();
    this.lastRunAt = started;
    this.liveList = liveFindings(ledger, live, this.host.prices, thresholdsOf(this.settings), new Date());
    this.lastRunMs = performance.now() - started;
    this.runs++;
    this.emitter.fire();
  }

  /** Live findings, snoozed ones included (the notification plan skips those itself). */
  get live(): readonly Finding[] {
    return this.liveList;
  }

  /** Live findings the user has not snoozed, most severe first (the status bar tooltip). */
  visibleLive(now = new Date()): Finding[] {
    const memory = this.alerts.memory;
    return this.liveList.filter((f) => !isSnoozed(memory, findingSubject(f.id), now));
  }

  /** What the panel lists: live findings plus the selected session's (it may be older than 24 hours), not snoozed. */
  forPanel(selectedSessionId: string | undefined, now = new Date()): Finding[] {
    const selected = selectedSessionId ? this.selectedFindings(selectedSessionId) : [];
    return surfacedFindings(this.liveList, selected, this.alerts.memory, now);
  }

  private selectedFindings(sessionId: string): Finding[] {
    const { ledger } = this.host;
    if (!ledger || this.host.scanning) return [];
    const stamp = this.host.changeStamp();
    const cached = this.selected;
    if (cached && cached.sessionId === sessionId) {
      if (cached.stamp === stamp) return cached.findings;
      // The ledger moved on: recompute, but not more often than the live pass (the next one repaints the panel).
      if (performance.now() - cached.at < COMPUTE_INTERVAL_MS) {
        this.schedule();
        return cached.findings;
      }
    }
    const findings = findingsOf(ledger, this.host.prices, thresholdsOf(this.settings), new Set([sessionId]));
    this.selected = { sessionId, stamp, at: performance.now(), findings };
    return findings;
  }

  /** A session's short name ("app · 1a2b3c4d"), for the tooltip and the notifications. */
  sessionName(sessionId: string): string {
    const project = this.host.live?.sessions.get(sessionId)?.project ?? this.host.ledger?.sessionInfo.get(sessionId)?.project;
    return sessionName(sessionId, project);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    clearInterval(this.clock);
    for (const d of this.subscriptions) d.dispose();
    this.emitter.dispose();
  }
}
