// Writes src/core/priceData.json: the Anthropic and OpenAI rows of the installed @pydantic/genai-prices, the only
// providers whose logs Agent Meter reads. A build-time snapshot keeps the bundle and the memory small (the package
// carries every provider); src/core/priceData.test.ts fails when the snapshot and the package drift apart.
//   node scripts/snapshotPrices.mjs
import { findProvider } from '@pydantic/genai-prices';
import { readFileSync, writeFileSync } from 'node:fs';

const version = JSON.parse(readFileSync(new URL('../node_modules/@pydantic/genai-prices/package.json', import.meta.url), 'utf8')).version;
const providers = ['anthropic', 'openai'].map((id) => {
  const p = findProvider({ providerId: id });
  if (!p) throw new Error(`genai-prices has no provider ${id}`);
  return { id: p.id, name: p.name, models: p.models.map(({ id, match, prices, context_window }) => ({ id, match, prices, context_window })) };
});
const out = new URL('../src/core/priceData.json', import.meta.url);
writeFileSync(out, `${JSON.stringify({ source: '@pydantic/genai-prices', version, providers })}\n`);
console.log(`wrote ${out.pathname}: genai-prices ${version}, ${providers.map((p) => `${p.id} ${p.models.length}`).join(', ')} models`);
