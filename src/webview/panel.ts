// The budget panel's UI (STYLE 6–8): renders the host's complete `PanelSnapshot` with plain DOM and SVG, and sends
// back only the protocol's messages. Controls are built once and updated in place, so snapshots arriving several
// times a second never steal focus from the session picker, a tab or a table row, nor move the scroll position.
// Types only from the protocol: its zod schemas must stay out of this browser bundle.
import type { BudgetLevel, PanelSnapshot, PanelState, PeriodLine, SessionSeries, TableRange, TeamEntity, WebviewMessage } from '../core/panelProtocol';
import { contextChart, costChart, turnTable } from './charts';
import { budgetBarLabel, forecastBarPercent, forecastText, guardText } from './budgetText';
import { html, setAttr, setBarWidth, setText } from './dom';
import { createFindingsSection } from './findings';
import { codicon } from './icons';
import {
  barPercent,
  budgetText,
  burnText,
  contextFillText,
  contextPercent,
  dataQualityParts,
  formatClock,
  formatUsd,
  requestsText,
  teamBudgetText,
  teamPeriodLabel,
  teamSyncText,
} from './format';
import { restoreState, startupMessages } from './panelState';
import { createTablesSection, type TablesSection } from './tables';

/** The part of the webview API the panel uses (provided by VS Code as a global function, callable once). */
interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: PanelState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** The picker's value for "follow the most recently active session" (no session id is empty or this). */
const FOLLOW_LATEST = '*latest*';

/** How long the panel shows the user's pick while older snapshots (sent before the host saw it) still arrive. */
const PENDING_MS = 3000;

const vscode = acquireVsCodeApi();
let state = restoreState(vscode.getState());

function post(message: WebviewMessage): void {
  vscode.postMessage(message);
}

function saveState(change: Partial<PanelState>): void {
  state = { ...state, ...change };
  vscode.setState(state);
}

/** A user's choice the snapshots have not caught up with yet. */
interface Pending<T> {
  value: T;
  until: number;
}

/** The value to show: the user's pending pick until a snapshot agrees (or it times out), then the snapshot's. */
function settle<T>(pending: Pending<T> | null, fromSnapshot: T): { shown: T; pending: Pending<T> | null } {
  if (pending && pending.value !== fromSnapshot && performance.now() < pending.until) return { shown: pending.value, pending };
  return { shown: fromSnapshot, pending: null };
}

const app = document.getElementById('app') ?? document.body.appendChild(html('main', { attrs: { id: 'app' } }));

interface PanelView {
  update(snapshot: PanelSnapshot): void;
}

let view: PanelView | null = null;
let lastSnapshot: PanelSnapshot | null = null;

function showLoading(): void {
  app.replaceChildren(html('p', { className: 'loading', text: 'Loading…', attrs: { role: 'status' } }));
}

function createView(): PanelView {
  // A restored state was just sent to the host (startupMessages): hold it until snapshots reflect it.
  const startedAt = performance.now();
  let pendingSession: Pending<string> | null = state.sessionId ? { value: state.sessionId, until: startedAt + PENDING_MS } : null;
  let pendingRange: Pending<TableRange> | null = { value: state.range, until: startedAt + PENDING_MS };

  // 1. Header.
  const meta = html('p', { className: 'meta' });
  const actions = html('div', { className: 'actions' });
  const commands: { label: string; command: 'exportReport' | 'showLog' | 'openSettings' }[] = [
    { label: 'Export report', command: 'exportReport' },
    { label: 'Show log', command: 'showLog' },
    { label: 'Settings', command: 'openSettings' },
  ];
  for (const { label, command } of commands) {
    const button = html('button', { className: 'secondary', text: label, attrs: { type: 'button' } });
    button.addEventListener('click', () => post({ type: 'runCommand', command }));
    actions.append(button);
  }
  const header = html('header', { className: 'panel-header' }, [
    html('div', { className: 'title' }, [html('h1', { text: 'Agent Meter' }), meta]),
    actions,
  ]);
  // The notice's container is a live region that exists from the start, so the notice is announced when it appears.
  const scanningSlot = html('div', { className: 'scanning-slot', attrs: { role: 'status' } });

  // 2–3. Period cards and burn line.
  const cards = html('div', { className: 'cards' });
  const burn = html('p', { className: 'burn', attrs: { 'data-testid': 'burn' } });
  // The state budget-state.json carries (what the Claude Code guard enforces), and the way to change the budgets.
  const guardLine = html('span', { attrs: { 'data-testid': 'guard-text' } });
  const setBudget = html('button', { className: 'secondary', text: 'Set budget…', attrs: { type: 'button', 'data-testid': 'set-budget' } });
  setBudget.addEventListener('click', () => post({ type: 'runCommand', command: 'setBudget' }));
  const guard = html('div', { className: 'guard', attrs: { 'data-testid': 'guard-state' } }, [
    html('p', { className: 'guard-line' }, [codicon('shield', 'guard-icon'), guardLine]),
    setBudget,
  ]);
  const spend = html('section', { className: 'spend', attrs: { 'aria-labelledby': 'spend-heading' } }, [
    html('h2', { className: 'sr-only', text: 'Spend and budgets', attrs: { id: 'spend-heading' } }),
    cards,
    guard,
    burn,
  ]);

  // 3b. Findings (live, plus the selected session's): "Show session" selects it here, "Snooze" hides it for a day.
  const findings = createFindingsSection({
    onShowSession(sessionId) {
      pendingSession = { value: sessionId, until: performance.now() + PENDING_MS };
      saveState({ sessionId });
      post({ type: 'selectSession', sessionId });
      if (lastSnapshot) update(lastSnapshot);
      session.scrollIntoView({ block: 'start' });
      sessionHeading.focus();
    },
    onSnooze(id) {
      post({ type: 'snoozeFinding', id });
    },
  });

  // 4. Selected session.
  const picker = html('select', { attrs: { id: 'session-picker', 'data-testid': 'session-picker' } });
  picker.addEventListener('change', () => {
    const value = picker.value;
    if (!value) return;
    pendingSession = { value, until: performance.now() + PENDING_MS };
    const sessionId = value === FOLLOW_LATEST ? null : value;
    saveState({ sessionId });
    post({ type: 'selectSession', sessionId });
  });
  const sessionFacts = html('div', { className: 'session-facts' });
  const costPlot = html('div', { className: 'chart-plot' });
  const contextPlot = html('div', { className: 'chart-plot' });
  const contextLegend = html('p', { className: 'legend', attrs: { 'aria-hidden': 'true' } }, [
    html('span', { className: 'key key-bar' }), 'context of a request ',
    html('span', { className: 'key key-window' }), 'context window ',
    html('span', { className: 'key key-compaction' }), 'compaction',
  ]);
  const charts = html('div', { className: 'charts' }, [
    html('figure', { className: 'chart', attrs: { 'data-testid': 'chart-cost' } }, [
      html('figcaption', { text: 'Cumulative cost' }),
      costPlot,
    ]),
    html('figure', { className: 'chart', attrs: { 'data-testid': 'chart-context' } }, [
      html('figcaption', { text: 'Context per turn' }),
      contextPlot,
      contextLegend,
    ]),
  ]);
  const turnDataSummary = html('summary', { text: 'Data behind the charts' });
  const turnDataBody = html('div', { className: 'turn-data-body' });
  const turnData = html('details', { className: 'turn-data' }, [turnDataSummary, turnDataBody]);
  turnData.addEventListener('toggle', () => renderTurnTable(true));
  const sessionEmpty = html('p', { className: 'empty-state' });
  // Focusable from script only: "Show session" on a finding moves the keyboard here.
  const sessionHeading = html('h2', { text: 'Selected session', attrs: { id: 'session-heading', tabindex: -1 } });
  const session = html('section', { className: 'session', attrs: { 'aria-labelledby': 'session-heading' } }, [
    html('div', { className: 'session-head' }, [
      sessionHeading,
      html('div', { className: 'picker' }, [html('label', { text: 'Session', attrs: { for: 'session-picker' } }), picker]),
    ]),
    sessionEmpty,
    sessionFacts,
    charts,
    turnData,
  ]);

  // 5. Tables.
  const tables: TablesSection = createTablesSection({
    onRange(range) {
      pendingRange = { value: range, until: performance.now() + PENDING_MS };
      saveState({ range });
      post({ type: 'setRange', range });
      if (lastSnapshot) update(lastSnapshot);
    },
    onSelectSession(sessionId) {
      pendingSession = { value: sessionId, until: performance.now() + PENDING_MS };
      saveState({ sessionId });
      post({ type: 'selectSession', sessionId });
      if (lastSnapshot) update(lastSnapshot);
    },
  });

  // 5b. Team: the sync's state and, from the team server, the team's and your standing against team budgets.
  const team = html('section', { className: 'team', attrs: { 'data-testid': 'team', 'aria-labelledby': 'team-heading' } });

  // 6. Data quality.
  const quality = html('section', { className: 'quality', attrs: { 'data-testid': 'data-quality', 'aria-labelledby': 'quality-heading' } });

  app.replaceChildren(header, scanningSlot, spend, findings.root, team, session, tables.root, quality);

  // Charts follow their container's width; redraw only when it changes (or the session does).
  let chartKey = '';
  let turnTableKey = '';
  const resize = new ResizeObserver(() => renderCharts());
  resize.observe(costPlot);
  resize.observe(contextPlot);

  function renderCharts(): void {
    const series = lastSnapshot?.session;
    if (!series || series.turns.length === 0) return;
    const costWidth = Math.floor(costPlot.clientWidth);
    const contextWidth = Math.floor(contextPlot.clientWidth);
    if (costWidth <= 0 || contextWidth <= 0) return;
    const key = `${costWidth}|${contextWidth}|${JSON.stringify(series)}`;
    if (key === chartKey) return;
    chartKey = key;
    costPlot.replaceChildren(costChart(series, costWidth));
    contextPlot.replaceChildren(contextChart(series, contextWidth));
  }

  /** The data table is built only while its disclosure is open (it can be long). */
  function renderTurnTable(force: boolean): void {
    const snapshot = lastSnapshot;
    const series = snapshot?.session;
    if (!snapshot || !series) return;
    setText(turnDataSummary, `Data behind the charts (${requestsText(series.turns.length)})`);
    if (!turnData.open) return;
    const key = `${snapshot.timeZone}|${JSON.stringify(series)}`;
    if (!force && key === turnTableKey) return;
    turnTableKey = key;
    turnDataBody.replaceChildren(turnTable(series, snapshot.timeZone));
  }

  function renderHeader(snapshot: PanelSnapshot): void {
    const clock = formatClock(snapshot.generatedAt, snapshot.timeZone);
    setText(meta, `Updated ${clock} · ${snapshot.timeZone} · prices ${snapshot.priceVersion}`);
    const notice = scanningSlot.querySelector('[data-testid="scanning"]');
    if (snapshot.scanning && !notice) {
      scanningSlot.append(html('p', { className: 'notice', attrs: { 'data-testid': 'scanning' } }, [
        html('span', { className: 'spinner', attrs: { 'aria-hidden': 'true' } }),
        'Scanning logs… figures may still grow.',
      ]));
    } else if (!snapshot.scanning && notice) {
      notice.remove();
    }
  }

  function renderSession(snapshot: PanelSnapshot, shownSessionId: string): void {
    syncPicker(snapshot, shownSessionId);
    const series = snapshot.session;
    const hasTurns = !!series && series.turns.length > 0;
    sessionEmpty.hidden = hasTurns;
    sessionFacts.hidden = !series;
    charts.hidden = !hasTurns;
    turnData.hidden = !hasTurns;
    if (!series) {
      setText(sessionEmpty, 'No session yet. Costs appear here once an agent makes its first request.');
      chartKey = '';
      return;
    }
    setText(sessionEmpty, 'No requests in this session yet.');
    sessionFacts.replaceChildren(sessionFactList(series));
    if (hasTurns) {
      renderCharts();
      renderTurnTable(false);
    } else {
      chartKey = '';
    }
  }

  /** Options are patched, not rebuilt, when only labels change: rebuilding would close an open drop-down. */
  function syncPicker(snapshot: PanelSnapshot, shownSessionId: string): void {
    const choices = snapshot.sessionChoices.map((c) => ({ value: c.sessionId, label: c.label || c.sessionId }));
    if (shownSessionId && shownSessionId !== FOLLOW_LATEST && !choices.some((c) => c.value === shownSessionId)) {
      choices.unshift({ value: shownSessionId, label: shownSessionId });
    }
    if (choices.length > 0) choices.unshift({ value: FOLLOW_LATEST, label: 'Latest session (follows the agent)' });
    if (!shownSessionId) {
      choices.unshift({ value: '', label: choices.length > 0 ? 'Choose a session…' : 'No sessions yet' });
    }
    const options = Array.from(picker.options);
    const sameValues = options.length === choices.length && options.every((o, i) => o.value === choices[i]!.value);
    if (sameValues) {
      options.forEach((o, i) => setText(o, choices[i]!.label));
    } else {
      picker.replaceChildren(
        ...choices.map((c) => html('option', { text: c.label, attrs: { value: c.value, disabled: c.value === '' } })),
      );
    }
    // By index, not by value: a lone placeholder option is disabled, and `value` would not select it.
    const index = choices.findIndex((c) => c.value === shownSessionId);
    if (picker.selectedIndex !== index) picker.selectedIndex = index;
    picker.disabled = snapshot.sessionChoices.length === 0 && !shownSessionId;
  }

  function update(snapshot: PanelSnapshot): void {
    const session = settle(pendingSession, snapshot.following && snapshot.session ? FOLLOW_LATEST : (snapshot.session?.sessionId ?? ''));
    pendingSession = session.pending;
    const range = settle(pendingRange, snapshot.tables.range);
    pendingRange = range.pending;

    renderHeader(snapshot);
    cards.replaceChildren(...snapshot.periods.map(periodCard));
    setText(guardLine, guardText(snapshot.budget));
    guard.className = `guard level-${snapshot.budget.state}`;
    setText(burn, burnText(snapshot.burn));
    findings.update(snapshot.findings, snapshot.findingSessions);
    renderSession(snapshot, session.shown);
    const selectedSessionId = session.shown === FOLLOW_LATEST ? (snapshot.session?.sessionId ?? null) : session.shown || null;
    tables.update({ tables: snapshot.tables, range: range.shown, selectedSessionId });
    quality.replaceChildren(...qualityContent(snapshot));
    team.replaceChildren(...teamContent(snapshot));
  }

  return { update };
}

const LEVEL_GLYPHS: Record<BudgetLevel, string> = { none: '', ok: '✓', warn: '⚠', throttle: '⚠', stop: '✖' };

function periodCard(period: PeriodLine): HTMLElement {
  const card = html('article', { className: `card level-${period.level}`, attrs: { 'data-testid': `period-${period.id}` } }, [
    html('h3', { text: period.label }),
    html('p', { className: 'cost', text: formatUsd(period.costUsd), attrs: { 'data-testid': 'cost' } }),
    html('p', { className: 'muted', text: requestsText(period.requests) }),
  ]);
  const forecast = forecastText(period);
  if (period.budgetUsd === null) {
    card.append(html('p', { className: 'budget muted', text: budgetText(period) }));
    if (forecast) card.append(html('p', { className: 'forecast muted', text: forecast, attrs: { 'data-testid': 'forecast' } }));
    return card;
  }
  // The spend, and behind it a faint extension to where the forecast lands (with a marker at its end).
  const fill = html('span', { className: 'bar-fill' });
  setBarWidth(fill, barPercent(period.percent));
  const track = html('span', { className: 'bar-track', attrs: { role: 'img', 'aria-label': budgetBarLabel(period) } });
  const ahead = forecastBarPercent(period);
  if (ahead !== null) {
    const extension = html('span', { className: period.projectedToExceed ? 'bar-forecast over' : 'bar-forecast' });
    setBarWidth(extension, ahead);
    track.classList.add('has-forecast');
    track.append(extension);
  }
  track.append(fill);
  const glyph = LEVEL_GLYPHS[period.level];
  card.append(
    track,
    html('p', { className: 'budget' }, [
      ...(glyph ? [html('span', { className: 'glyph', text: glyph, attrs: { 'aria-hidden': 'true' } })] : []),
      budgetText(period),
    ]),
  );
  if (forecast || period.projectedToExceed) {
    card.append(html('p', { className: 'forecast', attrs: { 'data-testid': 'forecast' } }, [
      forecast,
      ...(period.projectedToExceed
        ? [html('span', { className: 'badge projected', attrs: { 'data-testid': 'projected' } }, [codicon('warning'), 'Projected to exceed'])]
        : []),
    ]));
  }
  return card;
}

function sessionFactList(series: SessionSeries): HTMLElement {
  const list = html('dl', { className: 'facts' });
  const fact = (term: string, value: Node | string, testId?: string, wide = false): void => {
    list.append(html('div', { className: wide ? 'fact wide' : 'fact', attrs: { 'data-testid': testId } }, [
      html('dt', { text: term }),
      html('dd', {}, [value]),
    ]));
  };
  list.append(html('div', { className: 'fact' }, [
    html('dt', { text: 'Cost' }),
    html('dd', { className: 'big', text: formatUsd(series.costUsd), attrs: { 'data-testid': 'session-cost' } }),
  ]));
  fact('Requests', requestsText(series.requests));
  fact('Model', series.model ?? 'unknown');
  const fillPercent = contextPercent(series.contextTokens, series.contextWindow);
  const fillBar = html('span', { className: 'bar-fill' });
  setBarWidth(fillBar, barPercent(fillPercent));
  const fill = html('span', { className: 'fill' }, [
    html('span', { text: contextFillText(series.contextTokens, series.contextWindow) }),
    html('span', { className: 'bar-track', attrs: { 'aria-hidden': 'true' } }, [fillBar]),
  ]);
  fact('Context', fill, 'context-fill', true);
  if (series.subagentUsd > 0) fact('Subagents', formatUsd(series.subagentUsd));
  fact('Agent', series.agent === 'claude-code' ? 'Claude Code' : 'Codex');
  if (series.project) fact('Project', series.project, undefined, true);
  if (series.branch) fact('Branch', series.branch);
  return list;
}

function commandButton(label: string, command: 'configureTeamSync' | 'syncNow', testId: string): HTMLElement {
  const button = html('button', { className: 'secondary', text: label, attrs: { type: 'button', 'data-testid': testId } });
  button.addEventListener('click', () => post({ type: 'runCommand', command }));
  return button;
}

function teamCard(testId: string, p: TeamEntity['periods'][number]): HTMLElement {
  const card = html('article', { className: `card level-${p.level}`, attrs: { 'data-testid': testId } }, [
    html('h3', { text: teamPeriodLabel(p.period) }),
    html('p', { className: 'cost', text: formatUsd(p.spentUsd), attrs: { 'data-testid': 'cost' } }),
  ]);
  if (p.limitUsd !== null) {
    const fill = html('span', { className: 'bar-fill' });
    setBarWidth(fill, barPercent(p.percent));
    card.append(html('span', { className: 'bar-track', attrs: { 'aria-hidden': 'true' } }, [fill]));
  }
  const glyph = LEVEL_GLYPHS[p.level];
  card.append(html('p', { className: p.limitUsd === null ? 'budget muted' : 'budget' }, [
    ...(glyph && p.limitUsd !== null ? [html('span', { className: 'glyph', text: glyph, attrs: { 'aria-hidden': 'true' } })] : []),
    teamBudgetText(p),
  ]));
  return card;
}

function teamContent(snapshot: PanelSnapshot): Node[] {
  const heading = html('h2', { text: 'Team', attrs: { id: 'team-heading' } });
  const t = snapshot.team;
  if (!t) {
    return [heading, html('p', { className: 'muted team-line' }, ['Team sync is off. ', commandButton('Configure team sync', 'configureTeamSync', 'team-configure')])];
  }
  const failing = t.sync === 'failed' || t.sync === 'retrying' || t.sync === 'no-token';
  const line = html('p', { className: failing ? 'team-line flag' : 'team-line', attrs: { 'data-testid': 'team-sync' } }, [teamSyncText(t, snapshot.timeZone)]);
  const nodes: Node[] = [heading, line, html('div', { className: 'actions' }, [commandButton('Sync now', 'syncNow', 'team-sync-now'), commandButton('Configure', 'configureTeamSync', 'team-configure')])];
  for (const [who, entity, prefix] of [[`Team ${t.team?.id ?? ''}`, t.team, 'team'], [`You (${t.member?.id ?? ''})`, t.member, 'member']] as const) {
    if (!entity) continue;
    nodes.push(
      html('h3', { className: 'team-entity', text: who }),
      html('div', { className: 'cards' }, entity.periods.map((p) => teamCard(`${prefix}-${p.period}`, p))),
    );
  }
  return nodes;
}

function qualityContent(snapshot: PanelSnapshot): Node[] {
  const dq = snapshot.dataQuality;
  const line = html('p', { className: 'quality-line' });
  dataQualityParts(dq).forEach((part, i) => {
    if (i > 0) line.append(html('span', { className: 'sep', text: ' · ', attrs: { 'aria-hidden': 'true' } }));
    line.append(part.flagged
      ? html('span', { className: 'flag' }, [html('span', { className: 'glyph', text: '⚠', attrs: { 'aria-hidden': 'true' } }), part.text])
      : html('span', { text: part.text }));
  });
  const nodes: Node[] = [html('h2', { className: 'sr-only', text: 'Data quality', attrs: { id: 'quality-heading' } }), line];
  const notes: string[] = [
    ...dq.unreadable.slice(0, 5).map((u) => `Unreadable: ${u.path} — ${u.error}`),
    ...(dq.unreadable.length > 5 ? [`…and ${dq.unreadable.length - 5} more unreadable files`] : []),
    ...dq.warnings,
  ];
  if (notes.length > 0) {
    nodes.push(html('ul', { className: 'warnings' }, notes.map((text) =>
      html('li', {}, [html('span', { className: 'glyph', text: '⚠', attrs: { 'aria-hidden': 'true' } }), text]))));
  }
  return nodes;
}

function onMessage(event: MessageEvent<unknown>): void {
  const data = event.data;
  if (typeof data !== 'object' || data === null || (data as { type?: unknown }).type !== 'snapshot') return;
  const snapshot = (data as { snapshot: PanelSnapshot }).snapshot;
  lastSnapshot = snapshot;
  try {
    view ??= createView();
    view.update(snapshot);
    setAttr(app, 'aria-busy', 'false');
  } catch (error) {
    // A snapshot the UI cannot draw must not leave a blank panel: say so, and let the next snapshot try again.
    console.error('Agent Meter: could not render the snapshot', error);
    view = null;
    app.replaceChildren(html('p', { className: 'error', attrs: { role: 'alert' }, text: `Could not show the figures: ${String(error)}` }));
  }
}

showLoading();
window.addEventListener('message', onMessage);
for (const message of startupMessages(state)) post(message);
