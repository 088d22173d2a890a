// What the panel remembers across reloads (`vscode.getState`) and what it tells the host on start-up. The host's zod
// schema cannot be bundled into the webview (it would pull zod in), so the restored value is checked by hand here
// against the same shape; the type-level checks below keep the two lists of ranges in step.
import type { PanelState, TableRange, WebviewMessage } from '../core/panelProtocol';

/** The table ranges in display order (mirrors `TABLE_RANGES`; a value import would bundle zod). */
export const RANGES = ['today', 'week', 'month', 'all'] as const satisfies readonly TableRange[];
// Fails to compile when the protocol gains a range this list lacks.
const rangesAreComplete: Exclude<TableRange, (typeof RANGES)[number]> extends never ? true : false = true;
void rangesAreComplete;

export const RANGE_LABELS: Record<TableRange, string> = { today: 'Today', week: 'Week', month: 'Month', all: 'All' };

export const DEFAULT_STATE: PanelState = { sessionId: null, range: 'month' };

export function isTableRange(value: unknown): value is TableRange {
  return typeof value === 'string' && (RANGES as readonly string[]).includes(value);
}

/** The saved state, or defaults for whatever is missing or malformed (a reload must never break the panel). */
export function restoreState(saved: unknown): PanelState {
  if (typeof saved !== 'object' || saved === null) return { ...DEFAULT_STATE };
  const record = saved as Record<string, unknown>;
  const id = record['sessionId'];
  const range = record['range'];
  return {
    sessionId: typeof id === 'string' && id.length >= 1 && id.length <= 200 ? id : null,
    range: isTableRange(range) ? range : DEFAULT_STATE.range,
  };
}

/** The messages that start a panel: `ready`, then whatever brings the host's next snapshot in line with `state`. */
export function startupMessages(state: PanelState): WebviewMessage[] {
  const messages: WebviewMessage[] = [{ type: 'ready' }];
  if (state.sessionId !== null) messages.push({ type: 'selectSession', sessionId: state.sessionId });
  if (state.range !== DEFAULT_STATE.range) messages.push({ type: 'setRange', range: state.range });
  return messages;
}
