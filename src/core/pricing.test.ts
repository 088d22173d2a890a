import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { calcPrice } from '@pydantic/genai-prices';
import { normaliseModel } from './modelNames';
import { costOf, GENAI_PRICES_VERSION, PriceTable, priceOverridesSchema } from './pricing';
import type { TokenCounts } from './usageRecord';

const T = (t: Partial<TokenCounts>): TokenCounts => ({ input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, ...t });
const NOV = '2026-11-23T10:00:00.000Z';
const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

function priced(table: PriceTable, model: string, tokens: TokenCounts, at = NOV, web = 0, fast = false): number {
  const r = table.resolve(model, at);
  assert.ok(r, `${model} should be priced`);
  return costOf(tokens, web, r.row, fast);
}

describe('pricing', () => {
  const table = new PriceTable();

  it('bundles the genai-prices version it claims', () => {
    const pkg = JSON.parse(readFileSync('node_modules/@pydantic/genai-prices/package.json', 'utf8')) as { version: string };
    assert.equal(GENAI_PRICES_VERSION, pkg.version);
  });

  it('prices every token type at its own rate (sonnet 4.5: 3 / 15 / 0.30 / 3.75 / 6)', () => {
    const usd = priced(table, 'claude-sonnet-4-5-20250929', T({ input: 1234, output: 321, cacheRead: 20000, cacheWrite5m: 4000, cacheWrite1h: 1000 }));
    close(usd, (1234 * 3 + 321 * 15 + 20000 * 0.3 + 4000 * 3.75 + 1000 * 6) / 1e6);
  });

  it('applies the long-context tier to the whole request once the prompt passes 200k', () => {
    const at200k = priced(table, 'claude-sonnet-4-5', T({ input: 100_000, cacheRead: 100_000, output: 1000 }));
    close(at200k, (100_000 * 3 + 100_000 * 0.3 + 1000 * 15) / 1e6);
    const above = priced(table, 'claude-sonnet-4-5', T({ input: 100_001, cacheRead: 100_000, output: 1000 }));
    close(above, (100_001 * 6 + 100_000 * 0.6 + 1000 * 22.5) / 1e6);
  });

  it('matches genai-prices calcPrice for the same request', () => {
    const cases: [string, TokenCounts][] = [
      ['claude-haiku-4-5-20251001', T({ input: 5000, output: 700, cacheRead: 30_000, cacheWrite5m: 2000 })],
      ['claude-opus-4-5', T({ input: 10, output: 9000, cacheRead: 150_000, cacheWrite5m: 3000 })],
      ['claude-sonnet-4-5', T({ input: 180_000, output: 2000, cacheRead: 50_000 })], // tier
      ['gpt-5-codex', T({ input: 5190, cacheRead: 8192, output: 257 })],
      ['gpt-5.4', T({ input: 300_000, output: 100 })], // OpenAI tier above 272k
    ];
    for (const [model, t] of cases) {
      const ours = priced(table, model, t);
      const theirs = calcPrice(
        { input_tokens: t.input + t.cacheRead + t.cacheWrite5m, cache_read_tokens: t.cacheRead, cache_write_tokens: t.cacheWrite5m, output_tokens: t.output },
        model,
        { timestamp: new Date(NOV) },
      );
      assert.ok(theirs, model);
      close(ours, theirs.total_price, 1e-9);
    }
  });

  it('uses the price in force on the request date (claude-opus-4-6 long-context surcharge ended 2026-03-13)', () => {
    const big = T({ input: 300_000, output: 1000 });
    close(priced(table, 'claude-opus-4-6', big, '2026-03-01T00:00:00Z'), (300_000 * 10 + 1000 * 37.5) / 1e6);
    close(priced(table, 'claude-opus-4-6', big, '2026-03-13T00:00:00Z'), (300_000 * 5 + 1000 * 25) / 1e6);
  });

  it('never prices a different model by prefix: claude-sonnet-5-5 is unpriced, not claude-sonnet-5', () => {
    assert.equal(table.resolve('claude-sonnet-5-5', NOV), undefined);
    assert.equal(table.resolve('claude-haiku-5-5', NOV), undefined);
    assert.equal(table.resolve('my-local-model', NOV), undefined);
    assert.equal(table.resolve('claude-sonnet-5-20261001', NOV)?.modelId, 'claude-sonnet-5');
    assert.equal(table.resolve('claude-sonnet-4-20250514', NOV)?.modelId, 'claude-sonnet-4-0');
  });

  it('normalises Bedrock, Vertex, router and [1m] spellings in one place', () => {
    assert.deepEqual(normaliseModel('us.anthropic.claude-sonnet-4-5-20250929-v1:0'), { id: 'claude-sonnet-4-5-20250929', longContext: false });
    assert.deepEqual(normaliseModel('anthropic/Claude-Opus-4-5'), { id: 'claude-opus-4-5', longContext: false });
    assert.deepEqual(normaliseModel('claude-sonnet-4-5[1m]'), { id: 'claude-sonnet-4-5', longContext: true });
    assert.equal(table.resolve('claude-sonnet-4-5@20250929', NOV)?.modelId, 'claude-sonnet-4-5');
    assert.equal(table.resolve('claude-sonnet-4-5[1m]', NOV)?.row.contextWindow, 1_000_000);
    assert.equal(table.resolve('claude-sonnet-4-5', NOV)?.row.contextWindow, 200_000);
  });

  it('prices fast mode at the multiplier and web search per request', () => {
    const t = T({ input: 1000, output: 1000 });
    close(priced(table, 'claude-opus-4-6', t, NOV, 0, true), 6 * ((1000 * 5 + 1000 * 25) / 1e6));
    close(priced(table, 'claude-opus-4-6', t, NOV, 3, false), (1000 * 5 + 1000 * 25) / 1e6 + 0.03);
    // A model without a fast multiplier is not made cheaper or dearer by the flag.
    close(priced(table, 'claude-haiku-4-5', t, NOV, 0, true), (1000 * 1 + 1000 * 5) / 1e6);
  });

  it('prices Codex cached input at the cached rate', () => {
    close(priced(table, 'gpt-5-codex', T({ input: 5190, cacheRead: 8192, output: 257 })), (5190 * 1.25 + 8192 * 0.125 + 257 * 10) / 1e6);
    close(priced(table, 'gpt-5-mini', T({ input: 1000, cacheRead: 1000, output: 1000 })), (1000 * 0.25 + 1000 * 0.025 + 1000 * 2) / 1e6);
  });

  it('lets overrides win, exactly or by date suffix, newest effective date first', () => {
    const overrides = priceOverridesSchema.parse([
      { model: 'claude-sonnet-5', input: 3, output: 15, from: '2026-09-01' },
      { model: 'claude-sonnet-5', input: 2, output: 10 },
      { model: 'acme-coder', input: 1, output: 2, cacheRead: 0.1 },
    ]);
    const custom = new PriceTable(overrides);
    const t = T({ input: 1_000_000, output: 1_000_000 });
    close(priced(custom, 'claude-sonnet-5-20260801', t, '2026-08-15T00:00:00Z'), 12);
    close(priced(custom, 'claude-sonnet-5', t, '2026-09-01T00:00:00Z'), 18);
    close(priced(custom, 'acme-coder', T({ input: 1_000_000, cacheRead: 1_000_000 })), 1.1);
    assert.equal(custom.resolve('acme-coder', NOV)?.source, 'override');
    assert.match(custom.version, /overrides/);
  });

  it('rejects malformed overrides with a readable reason', () => {
    const bad = priceOverridesSchema.safeParse([{ model: 'x', input: -1, output: 2 }]);
    assert.equal(bad.success, false);
    const typo = priceOverridesSchema.safeParse([{ model: 'x', input: 1, output: 2, cachRead: 3 }]);
    assert.equal(typo.success, false);
  });
});
