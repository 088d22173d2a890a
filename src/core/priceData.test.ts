import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findProvider } from '@pydantic/genai-prices';
import priceData from './priceData.json';

describe('price snapshot', () => {
  it('equals the installed genai-prices rows for Anthropic and OpenAI (run scripts/snapshotPrices.mjs to refresh)', () => {
    for (const snap of priceData.providers) {
      const live = findProvider({ providerId: snap.id });
      assert.ok(live, snap.id);
      const liveModels = live.models.map(({ id, match, prices, context_window }) => JSON.parse(JSON.stringify({ id, match, prices, context_window })));
      assert.deepEqual(snap.models, liveModels);
    }
    assert.deepEqual(priceData.providers.map((p) => p.id), ['anthropic', 'openai']);
  });
});
