// Pricing: price data (genai-prices, dated, bundled) under our override layer, and the cost maths apart from it.
// Rules (DESIGN.md §4): cache read and 5m/1h cache writes at their own rates; the long-context tier applies to the
// whole request when its prompt (uncached + cache read + cache write) passes the threshold; fast mode multiplies
// token prices; web search per request; unknown model → unpriced (never silently $0).
import type { ModelInfo, ModelPrice, MatchLogic } from '@pydantic/genai-prices';
import * as z from 'zod';
import { isVersionSuffix, normaliseModel } from './modelNames';
import priceData from './priceData.json';
import { promptTokens, type AgentKind, type TokenCounts } from './usageRecord';

/** genai-prices' Anthropic and OpenAI rows, snapshotted at build time (scripts/snapshotPrices.mjs). */
interface PriceSnapshot {
  source: string;
  version: string;
  providers: { id: string; name: string; models: ModelInfo[] }[];
}
const snapshot = priceData as unknown as PriceSnapshot;

/** The genai-prices release the snapshot was taken from; a unit test keeps it equal to the installed package. */
export const GENAI_PRICES_VERSION = snapshot.version;

/** USD per million tokens per token type, and USD per web-search request. */
export interface Rates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  webSearch: number;
}

/** One model's prices on one date: base rates and an optional whole-request long-context tier. */
export interface PriceRow {
  base: Rates;
  /** Applies to every token of a request whose prompt tokens are strictly above `above`. */
  tier?: { above: number; rates: Rates };
  /** Fast mode price multiplier on token prices (Claude `usage.speed == "fast"`). */
  fastMultiplier?: number;
  contextWindow?: number;
}

export interface PriceResolution {
  /** The price row's model id (e.g. `claude-sonnet-4-5` for `claude-sonnet-4-5-20250929`). */
  modelId: string;
  source: 'override' | 'builtin' | 'genai-prices';
  row: PriceRow;
}

/** Pure cost maths: tokens × rates. `promptTokens` picks the tier for the whole request. */
export function costOf(tokens: TokenCounts, webSearches: number, row: PriceRow, fast = false): number {
  const rates = row.tier && promptTokens(tokens) > row.tier.above ? row.tier.rates : row.base;
  let tokenUsd =
    (tokens.input * rates.input +
      tokens.output * rates.output +
      tokens.cacheRead * rates.cacheRead +
      tokens.cacheWrite5m * rates.cacheWrite5m +
      tokens.cacheWrite1h * rates.cacheWrite1h) /
    1e6;
  if (fast && row.fastMultiplier) tokenUsd *= row.fastMultiplier;
  return tokenUsd + webSearches * rates.webSearch;
}

/** costOf split by what was billed (same tier and fast-mode rules); the parts sum to costOf. */
export function costParts(tokens: TokenCounts, webSearches: number, row: PriceRow, fast = false): Record<keyof TokenCounts | 'webSearch', number> {
  const rates = row.tier && promptTokens(tokens) > row.tier.above ? row.tier.rates : row.base;
  const m = (fast && row.fastMultiplier ? row.fastMultiplier : 1) / 1e6;
  return {
    input: tokens.input * rates.input * m,
    output: tokens.output * rates.output * m,
    cacheRead: tokens.cacheRead * rates.cacheRead * m,
    cacheWrite5m: tokens.cacheWrite5m * rates.cacheWrite5m * m,
    cacheWrite1h: tokens.cacheWrite1h * rates.cacheWrite1h * m,
    webSearch: webSearches * rates.webSearch,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Overrides: the user's (settings / --pricing file) and ours (rows genai-prices lacks, fast-mode multipliers).

const ratesInput = {
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cacheRead: z.number().nonnegative().optional(),
  cacheWrite5m: z.number().nonnegative().optional(),
  cacheWrite1h: z.number().nonnegative().optional(),
  webSearch: z.number().nonnegative().optional(),
};

/** One override row, prices in USD per million tokens. `model` matches exactly or with a date suffix. */
export const priceOverrideSchema = z
  .object({
    model: z.string().min(1),
    /** Effective from this UTC date (inclusive); the newest applicable row wins. */
    from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
    ...ratesInput,
    longContext: z.object({ above: z.number().int().positive(), ...ratesInput }).optional(),
    fastMultiplier: z.number().positive().optional(),
    contextWindow: z.number().int().positive().optional(),
  })
  .strict();
export const priceOverridesSchema = z.array(priceOverrideSchema);
export type PriceOverride = z.infer<typeof priceOverrideSchema>;

/**
 * Rows genai-prices 0.1.8 lacks. claude-mythos-5: Wei-Shaw/model-price-repo (LiteLLM mirror), same as Claude Code's
 * own table (notes/claude-code-logs.md §10). Exact ids only, so no prefix over-match.
 */
const BUILTIN_ROWS: PriceOverride[] = [
  { model: 'claude-mythos-5', input: 10, output: 50, cacheRead: 1, cacheWrite5m: 12.5, cacheWrite1h: 20, contextWindow: 1_000_000 },
];

/** Fast-mode multipliers (LiteLLM `provider_specific_entry.fast`; Claude Code's table: opus 4.6/4.7 at $30/$150). */
const FAST_MULTIPLIERS: Record<string, number> = {
  'claude-opus-4-6': 6,
  'claude-opus-4-7': 6,
  'claude-opus-4-8': 2,
};

function ratesFromOverride(o: z.infer<z.ZodObject<typeof ratesInput>>, anthropicStyle: boolean): Rates {
  return {
    input: o.input,
    output: o.output,
    cacheRead: o.cacheRead ?? o.input,
    cacheWrite5m: o.cacheWrite5m ?? (anthropicStyle ? o.input * 1.25 : o.input),
    cacheWrite1h: o.cacheWrite1h ?? (anthropicStyle ? o.input * 2 : o.cacheWrite5m ?? o.input),
    webSearch: o.webSearch ?? 0.01,
  };
}

function rowFromOverride(o: PriceOverride): PriceRow {
  const anthropicStyle = normaliseModel(o.model).id.startsWith('claude');
  const row: PriceRow = { base: ratesFromOverride(o, anthropicStyle) };
  if (o.longContext) row.tier = { above: o.longContext.above, rates: ratesFromOverride(o.longContext, anthropicStyle) };
  if (o.fastMultiplier) row.fastMultiplier = o.fastMultiplier;
  if (o.contextWindow) row.contextWindow = o.contextWindow;
  return row;
}

// ---------------------------------------------------------------------------------------------------------------
// genai-prices data → PriceRow.

type FieldPrice = ModelPrice[string];

function baseOf(p: FieldPrice): number | undefined {
  if (p === undefined) return undefined;
  return typeof p === 'number' ? p : p.base;
}

/** Price for prompts above `above`, or the base price when the field has no tier. */
function tierOf(p: FieldPrice, above: number): number | undefined {
  if (p === undefined) return undefined;
  if (typeof p === 'number') return p;
  let price = p.base;
  for (const t of p.tiers) if (above >= t.start) price = t.price;
  return price;
}

function ratesFromGenai(prices: ModelPrice, pick: (p: FieldPrice) => number | undefined, anthropic: boolean): Rates {
  const input = pick(prices['input_mtok']) ?? 0;
  const cacheWrite5m = pick(prices['cache_write_mtok']) ?? (anthropic ? input * 1.25 : input);
  return {
    input,
    output: pick(prices['output_mtok']) ?? 0,
    cacheRead: pick(prices['cache_read_mtok']) ?? input,
    cacheWrite5m,
    // Anthropic's 1h write is 2× input; OpenAI has no 1h write, so a write is a write.
    cacheWrite1h: pick(prices['cache_write_1h_mtok']) ?? (anthropic ? input * 2 : cacheWrite5m),
    webSearch: (baseOf(prices['web_searches_kcount']) ?? 10) / 1000,
  };
}

function rowFromGenai(prices: ModelPrice, anthropic: boolean, contextWindow: number | undefined): PriceRow {
  const row: PriceRow = { base: ratesFromGenai(prices, baseOf, anthropic) };
  const starts = Object.values(prices).flatMap((p) => (p && typeof p === 'object' ? p.tiers.map((t) => t.start) : []));
  if (starts.length > 0) {
    // genai-prices applies a tier when the prompt exceeds `start` (200000 → base, 200001 → tier).
    const above = Math.min(...starts);
    row.tier = { above, rates: ratesFromGenai(prices, (p) => tierOf(p, above), anthropic) };
  }
  if (contextWindow) row.contextWindow = contextWindow;
  return row;
}

/** The genai-prices price set in force on `date` (YYYY-MM-DD): the last listed one whose start date has passed. */
function pricesOn(model: ModelInfo, date: string): ModelPrice | undefined {
  if (!Array.isArray(model.prices)) return model.prices;
  let chosen: ModelPrice | undefined;
  for (const c of model.prices) {
    if (!c.constraint) chosen = c.prices;
    else if (c.constraint.type === 'start_date' && c.constraint.start_date <= date) chosen = c.prices;
  }
  return chosen;
}

/** How well a model id matches a genai-prices rule: exact beats prefix; longer prefix beats shorter. */
function matchScore(logic: MatchLogic, id: string): number {
  if ('equals' in logic) return logic.equals === id ? 1e6 : -1;
  if ('regex' in logic) return new RegExp(logic.regex).test(id) ? 1e6 : -1;
  if ('starts_with' in logic) {
    return id.startsWith(logic.starts_with) && isVersionSuffix(id.slice(logic.starts_with.length))
      ? logic.starts_with.length
      : -1;
  }
  if ('or' in logic) return Math.max(-1, ...logic.or.map((l) => matchScore(l, id)));
  // `contains` and `and` are too loose to price a bill on; such ids stay unpriced unless overridden.
  return -1;
}

// ---------------------------------------------------------------------------------------------------------------

/** Resolves a model id on a date to a price row. Cached per (model, day); build one per settings change. */
export class PriceTable {
  /** agent → model → UTC day → resolution (null = unpriced); nested maps: no key string built per request. */
  private readonly cache = new Map<string, Map<string, Map<string, PriceResolution | null>>>();
  private readonly overrides: PriceOverride[];
  private readonly providers: PriceSnapshot['providers'];
  /** Identifies the price data behind a figure: genai-prices version plus whether overrides applied. */
  readonly version: string;
  /** Identifies the override rows (content), so cached views are not reused under other prices. */
  readonly overridesHash: string;

  constructor(userOverrides: PriceOverride[] = []) {
    this.overrides = userOverrides;
    this.providers = snapshot.providers;
    this.version = `genai-prices@${GENAI_PRICES_VERSION}${userOverrides.length ? `+${userOverrides.length} overrides` : ''}`;
    this.overridesHash = JSON.stringify(userOverrides);
  }

  /** `timestamp` is ISO-8601; prices are dated by its UTC day. */
  resolve(model: string, timestamp: string, agent?: AgentKind): PriceResolution | undefined {
    return this.resolveDay(model, timestamp.slice(0, 10), agent);
  }

  private last?: { model: string; date: string; agent?: AgentKind; resolved: PriceResolution | undefined };

  /** resolve() by UTC day (YYYY-MM-DD). Repeated questions (a view walking a history) are answered from memory. */
  resolveDay(model: string, date: string, agent?: AgentKind): PriceResolution | undefined {
    const last = this.last;
    if (last && last.model === model && last.date === date && last.agent === agent) return last.resolved;
    let byModel = this.cache.get(agent ?? '');
    if (!byModel) this.cache.set(agent ?? '', (byModel = new Map()));
    let byDay = byModel.get(model);
    if (!byDay) byModel.set(model, (byDay = new Map()));
    let hit = byDay.get(date);
    if (hit === undefined) byDay.set(date, (hit = this.lookup(model, date, agent) ?? null));
    this.last = { model, date, agent, resolved: hit ?? undefined };
    return hit ?? undefined;
  }

  private lookup(model: string, date: string, agent?: AgentKind): PriceResolution | undefined {
    const { id, longContext } = normaliseModel(model);
    const found =
      this.fromOverrides(this.overrides, id, date, 'override') ??
      this.fromOverrides(BUILTIN_ROWS, id, date, 'builtin') ??
      this.fromGenai(id, date, agent);
    if (!found) return undefined;
    const fast = FAST_MULTIPLIERS[found.modelId];
    if (fast && found.row.fastMultiplier === undefined) found.row = { ...found.row, fastMultiplier: fast };
    if (longContext) found.row = { ...found.row, contextWindow: Math.max(found.row.contextWindow ?? 0, 1_000_000) };
    return found;
  }

  private fromOverrides(rows: PriceOverride[], id: string, date: string, source: PriceResolution['source']) {
    let best: { o: PriceOverride; score: number } | undefined;
    for (const o of rows) {
      if (o.from && o.from > date) continue;
      const oid = normaliseModel(o.model).id;
      const score = oid === id ? 1e6 : id.startsWith(oid) && isVersionSuffix(id.slice(oid.length)) ? oid.length : -1;
      if (score < 0) continue;
      // Higher score wins; on equal score the newest effective date wins.
      if (!best || score > best.score || (score === best.score && (o.from ?? '') >= (best.o.from ?? ''))) {
        best = { o, score };
      }
    }
    return best ? { modelId: normaliseModel(best.o.model).id, source, row: rowFromOverride(best.o) } : undefined;
  }

  private fromGenai(id: string, date: string, agent?: AgentKind): PriceResolution | undefined {
    // The agent's own provider first: a Claude Code log is priced from Anthropic's rows, Codex from OpenAI's.
    const order = agent === 'codex' ? [...this.providers].reverse() : this.providers;
    for (const provider of order) {
      let best: { model: ModelInfo; score: number } | undefined;
      for (const m of provider.models) {
        const score = m.id === id ? 2e6 : matchScore(m.match, id);
        if (score >= 0 && (!best || score > best.score)) best = { model: m, score };
      }
      if (!best) continue;
      const prices = pricesOn(best.model, date);
      if (!prices) continue;
      return {
        modelId: best.model.id,
        source: 'genai-prices',
        row: rowFromGenai(prices, provider.id === 'anthropic', best.model.context_window),
      };
    }
    return undefined;
  }
}
