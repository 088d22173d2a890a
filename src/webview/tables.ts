// The breakdown tables: one ARIA tablist (Sessions / Models / Projects / Branches / Agents, manual activation,
// roving tabindex), a range switch (Today / Week / Month / All), and one table for the active tab. Snapshots arrive
// several times a second while an agent runs, so the controls are built once and rows are updated in place by key:
// a row the keyboard is on keeps its element, and with it focus and the screen reader's place.
import type { PanelTables, TableRange, TableRow } from '../core/panelProtocol';
import { html, setAttr, setBarWidth, setText } from './dom';
import { barPercent, formatCount, formatPercent, formatTokens, formatUsd, tokenColumns } from './format';
import { RANGE_LABELS, RANGES } from './panelState';

export type TableTab = 'sessions' | 'models' | 'projects' | 'branches' | 'agents';

const TABS: readonly { id: TableTab; label: string; nameColumn: string }[] = [
  { id: 'sessions', label: 'Sessions', nameColumn: 'Session' },
  { id: 'models', label: 'Models', nameColumn: 'Model' },
  { id: 'projects', label: 'Projects', nameColumn: 'Project' },
  { id: 'branches', label: 'Branches', nameColumn: 'Branch' },
  { id: 'agents', label: 'Agents', nameColumn: 'Agent' },
];

const RANGE_PHRASES: Record<TableRange, string> = { today: 'today', week: 'this week', month: 'this month', all: 'all time' };
const COLUMN_COUNT = 8;

export interface TablesCallbacks {
  onRange(range: TableRange): void;
  onSelectSession(sessionId: string): void;
}

/** What a render needs beyond the snapshot's tables. */
export interface TablesInput {
  tables: PanelTables;
  /** The range to show as chosen (the user's pick while the host catches up). */
  range: TableRange;
  /** The session shown in the charts, marked in the sessions table. */
  selectedSessionId: string | null;
}

export interface TablesSection {
  root: HTMLElement;
  update(input: TablesInput): void;
}

export function createTablesSection(callbacks: TablesCallbacks): TablesSection {
  let activeTab: TableTab = 'sessions';
  let lastInput: TablesInput | null = null;
  /** The session row that holds the table's single tab stop (the last one the keyboard was on). */
  let rovingRowKey: string | null = null;
  const rowSignatures = new WeakMap<HTMLTableRowElement, string>();

  const tabButtons = new Map<TableTab, HTMLButtonElement>();
  const tablist = html('div', { className: 'tablist', attrs: { role: 'tablist', 'aria-label': 'Break costs down by' } });
  for (const tab of TABS) {
    const button = html('button', {
      className: 'tab',
      text: tab.label,
      attrs: { type: 'button', role: 'tab', id: `tab-${tab.id}`, 'aria-controls': 'tables-panel', 'data-testid': `tab-${tab.id}` },
    });
    button.addEventListener('click', () => activate(tab.id));
    tabButtons.set(tab.id, button);
    tablist.append(button);
  }
  tablist.addEventListener('keydown', (event) => {
    const index = TABS.findIndex((t) => tabButtons.get(t.id) === document.activeElement);
    if (index < 0) return;
    let next: number;
    switch (event.key) {
      case 'ArrowRight': next = (index + 1) % TABS.length; break;
      case 'ArrowLeft': next = (index - 1 + TABS.length) % TABS.length; break;
      case 'Home': next = 0; break;
      case 'End': next = TABS.length - 1; break;
      default: return;
    }
    event.preventDefault();
    const tab = TABS[next];
    if (tab) tabButtons.get(tab.id)?.focus();
  });

  const rangeButtons = new Map<TableRange, HTMLButtonElement>();
  const rangeGroup = html('div', { className: 'segmented', attrs: { role: 'group', 'aria-label': 'Range of the tables' } });
  for (const range of RANGES) {
    const button = html('button', {
      text: RANGE_LABELS[range],
      attrs: { type: 'button', 'aria-pressed': 'false', 'data-testid': `range-${range}` },
    });
    button.addEventListener('click', () => callbacks.onRange(range));
    rangeButtons.set(range, button);
    rangeGroup.append(button);
  }

  const caption = html('caption', { className: 'sr-only' });
  const nameHeader = html('th', { attrs: { scope: 'col', rowspan: 2 } });
  const head = html('thead', {}, [
    html('tr', {}, [
      nameHeader,
      html('th', { className: 'num', text: 'Cost', attrs: { scope: 'col', rowspan: 2 } }),
      html('th', { className: 'share', text: 'Share', attrs: { scope: 'col', rowspan: 2 } }),
      html('th', { className: 'num', text: 'Requests', attrs: { scope: 'col', rowspan: 2 } }),
      html('th', { className: 'group', text: 'Tokens', attrs: { scope: 'colgroup', colspan: 4 } }),
    ]),
    html('tr', {}, ['Input', 'Output', 'Cache read', 'Cache write'].map((h) => html('th', { className: 'num', text: h, attrs: { scope: 'col' } }))),
  ]);
  const body = html('tbody', { attrs: { 'data-testid': 'table-body' } });
  const table = html('table', { className: 'breakdown' }, [caption, head, body]);
  // The panel scrolls sideways in a narrow view; tabindex lets a keyboard user scroll it too.
  const panel = html('div', { className: 'table-scroll', attrs: { role: 'tabpanel', id: 'tables-panel', tabindex: 0 } }, [table]);

  body.addEventListener('click', (event) => {
    const row = sessionRowOf(event.target);
    if (row) selectRow(row);
  });
  body.addEventListener('keydown', (event) => {
    const row = sessionRowOf(event.target);
    if (!row || event.target !== row) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      selectRow(row);
      return;
    }
    const rows = sessionRows();
    const index = rows.indexOf(row);
    let next: HTMLTableRowElement | undefined;
    if (event.key === 'ArrowDown') next = rows[index + 1];
    else if (event.key === 'ArrowUp') next = rows[index - 1];
    else if (event.key === 'Home') next = rows[0];
    else if (event.key === 'End') next = rows[rows.length - 1];
    else return;
    event.preventDefault();
    if (next) moveRowFocus(next);
  });

  const root = html('section', { className: 'tables', attrs: { 'data-testid': 'tables', 'aria-labelledby': 'tables-heading' } }, [
    html('h2', { text: 'Breakdown', attrs: { id: 'tables-heading' } }),
    html('div', { className: 'table-controls' }, [tablist, rangeGroup]),
    panel,
  ]);

  function activate(tab: TableTab): void {
    activeTab = tab;
    if (lastInput) update(lastInput);
  }

  function sessionRowOf(target: EventTarget | null): HTMLTableRowElement | null {
    if (activeTab !== 'sessions' || !(target instanceof Element)) return null;
    const row = target.closest('tr');
    return row && row.parentElement === body && row.dataset['key'] !== undefined ? row : null;
  }

  function sessionRows(): HTMLTableRowElement[] {
    return Array.from(body.rows).filter((r) => r.dataset['key'] !== undefined);
  }

  function moveRowFocus(row: HTMLTableRowElement): void {
    for (const r of sessionRows()) r.tabIndex = r === row ? 0 : -1;
    rovingRowKey = row.dataset['key'] ?? null;
    row.focus();
  }

  function selectRow(row: HTMLTableRowElement): void {
    const key = row.dataset['key'];
    if (!key) return;
    moveRowFocus(row);
    callbacks.onSelectSession(key);
  }

  function update(input: TablesInput): void {
    lastInput = input;
    const tabInfo = TABS.find((t) => t.id === activeTab) ?? TABS[0]!;
    for (const tab of TABS) {
      const button = tabButtons.get(tab.id)!;
      const selected = tab.id === activeTab;
      setAttr(button, 'aria-selected', String(selected));
      setAttr(button, 'tabindex', selected ? '0' : '-1');
    }
    setAttr(panel, 'aria-labelledby', `tab-${activeTab}`);
    for (const [range, button] of rangeButtons) setAttr(button, 'aria-pressed', String(range === input.range));
    setText(nameHeader, tabInfo.nameColumn);
    setText(caption, `Cost by ${tabInfo.nameColumn.toLowerCase()}, ${RANGE_PHRASES[input.tables.range]}`);
    renderRows(input.tables[activeTab], activeTab === 'sessions' ? input.selectedSessionId : null);
  }

  function renderRows(rows: readonly TableRow[], selectedSessionId: string | null): void {
    const interactive = activeTab === 'sessions';
    if (rows.length === 0) {
      body.replaceChildren(html('tr', { className: 'empty' }, [
        html('td', { text: 'Nothing recorded in this range.', attrs: { colspan: COLUMN_COUNT } }),
      ]));
      return;
    }
    const keys = rows.map((r) => r.key);
    const tabStopKey = interactive
      ? keys.includes(rovingRowKey ?? '') ? rovingRowKey : keys.includes(selectedSessionId ?? '') ? selectedSessionId : keys[0]
      : null;
    const fresh = rows.map((row) => buildRow(row, interactive, row.key === selectedSessionId, row.key === tabStopKey));
    const existing = Array.from(body.rows);
    const sameOrder =
      existing.length === fresh.length &&
      existing.every((tr, i) => tr.dataset['key'] === fresh[i]!.row.dataset['key'] && tr.dataset['tab'] === activeTab);
    if (!sameOrder) {
      const focusedKey = body.contains(document.activeElement) ? (document.activeElement as HTMLElement).closest('tr')?.dataset['key'] : undefined;
      body.replaceChildren(...fresh.map((f) => f.row));
      const again = focusedKey === undefined ? undefined : fresh.find((f) => f.row.dataset['key'] === focusedKey)?.row;
      again?.focus({ preventScroll: true });
      for (const f of fresh) rowSignatures.set(f.row, f.signature);
      return;
    }
    // Same rows in the same order: patch each changed row in place, keeping the element (and focus) where it is.
    existing.forEach((tr, i) => {
      const f = fresh[i]!;
      if (rowSignatures.get(tr) === f.signature) return;
      tr.replaceChildren(...Array.from(f.row.childNodes));
      tr.className = f.row.className;
      setAttr(tr, 'aria-current', f.row.getAttribute('aria-current'));
      setAttr(tr, 'tabindex', f.row.getAttribute('tabindex'));
      rowSignatures.set(tr, f.signature);
    });
  }

  function buildRow(row: TableRow, interactive: boolean, selected: boolean, tabStop: boolean): { row: HTMLTableRowElement; signature: string } {
    const tokens = tokenColumns(row.tokens);
    const sharePercent = row.share * 100;
    const shareBar = html('span', { className: 'bar-fill', attrs: { 'aria-hidden': 'true' } });
    setBarWidth(shareBar, barPercent(sharePercent));
    const nameCell = html('th', { className: 'name', attrs: { scope: 'row' } }, [
      ...(selected ? [html('span', { className: 'selected-mark', text: '▶', attrs: { 'aria-hidden': 'true' } })] : []),
      // Long paths and ids are cut with an ellipsis; the tooltip keeps the whole text.
      html('span', { className: 'label', text: row.label || row.key, attrs: { title: row.label || row.key } }),
      ...(row.detail ? [html('span', { className: 'detail', text: row.detail, attrs: { title: row.detail } })] : []),
    ]);
    const tr = html('tr', {
      className: [interactive ? 'selectable' : '', selected ? 'selected' : ''].filter(Boolean).join(' '),
      attrs: {
        'data-key': row.key,
        'data-tab': activeTab,
        'aria-current': selected ? 'true' : null,
        tabindex: interactive ? (tabStop ? 0 : -1) : null,
        title: interactive ? 'Show this session above (Enter)' : null,
      },
    }, [
      nameCell,
      html('td', { className: 'num cost', text: formatUsd(row.costUsd) }),
      html('td', { className: 'share' }, [
        html('span', { className: 'bar-track small' }, [shareBar]),
        html('span', { className: 'share-text', text: formatPercent(sharePercent) }),
      ]),
      html('td', { className: 'num', text: formatCount(row.requests) }),
      html('td', { className: 'num', text: formatTokens(tokens.input) }),
      html('td', { className: 'num', text: formatTokens(tokens.output) }),
      html('td', { className: 'num', text: formatTokens(tokens.cacheRead) }),
      html('td', { className: 'num', text: formatTokens(tokens.cacheWrite) }),
    ]);
    const signature = JSON.stringify([row, interactive, selected, tabStop]);
    return { row: tr, signature };
  }

  return { root, update };
}
