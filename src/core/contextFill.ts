// How full a session's context window is — one rule for the report, the live totals and the statusline
// (DESIGN §5): the prompt of the latest main-thread request (input + cache read + cache write), reset to what a
// later compaction left; the window is the model's (200k by default, 1M for 1M-context models and for any session
// whose prompt already went past 200k).
import type { PriceTable } from './pricing';
import { promptTokens, type SessionEvent, type UsageRecord } from './usageRecord';

type Compaction = Extract<SessionEvent, { kind: 'compaction' }>;

export const DEFAULT_WINDOW = 200_000;
export const LONG_WINDOW = 1_000_000;

export interface ContextFill {
  tokens: number;
  window: number;
  /** Model of the latest main-thread request. */
  model?: string;
}

/** `compactedAfter`: the latest compaction of the session later than `latest` (undefined when none is). */
export function contextFill(latest: UsageRecord | undefined, compactedAfter: Compaction | undefined, prices: PriceTable): ContextFill {
  if (!latest) return { tokens: compactedAfter?.postTokens ?? 0, window: DEFAULT_WINDOW };
  const tokens = compactedAfter ? (compactedAfter.postTokens ?? 0) : promptTokens(latest.tokens);
  let window = latest.contextWindow ?? prices.resolve(latest.model, latest.timestamp, latest.agent)?.row.contextWindow ?? DEFAULT_WINDOW;
  if (tokens > window) window = LONG_WINDOW;
  return { tokens, window, model: latest.model };
}
