// Logs written by the real Claude Code and Codex CLIs (recorded by test/e2e/*/recordFixtures.ts) read through the
// whole engine in-process: reader → parsers → ledger → pricing → report. Fast; the live e2e suite re-runs the CLIs.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { Ledger } from '../../src/core/ledger';
import { PriceTable } from '../../src/core/pricing';
import { buildReport, type Report } from '../../src/core/report';
import type { TokenCounts } from '../../src/core/usageRecord';
import { readAll } from '../../src/node/logReader';
import { sourceRoots } from '../../src/node/sourcePaths';

const prices = new PriceTable();
const within = (ours: number, truth: number, rel = 0.005) =>
  assert.ok(Math.abs(ours - truth) <= rel * Math.max(truth, 1e-9), `ours ${ours} vs truth ${truth}`);

async function reportFor(dirs: { claudeDirs?: string[]; codexDirs?: string[] }): Promise<Report> {
  const ledger = new Ledger();
  await readAll(sourceRoots({ claudeDirs: dirs.claudeDirs ?? [], codexDirs: dirs.codexDirs ?? [] }), ledger);
  return buildReport(ledger, prices, { timeZone: 'UTC' }, new Date('2026-11-23T12:00:00Z'));
}

const fixtureDirs = (root: string) =>
  readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(root, d.name));

interface ClaudeTruth {
  branch: string;
  runs: unknown[];
  expected: {
    cliTotalUsd: number;
    unloggedCostUsd: number;
    loggedCostUsd: number;
    loggedRequests: number;
    loggedTokens: TokenCounts;
    sessions: { sessionId: string; requests: number; costUsd: number; tokens: TokenCounts; models: string[] }[];
  };
}

describe('real Claude Code logs', () => {
  for (const dir of fixtureDirs('test/fixtures/claude-real')) {
    it(path.basename(dir), async () => {
      const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8')) as ClaudeTruth;
      const r = await reportFor({ claudeDirs: [dir] });
      const e = truth.expected;
      assert.deepEqual(r.totals.tokens, e.loggedTokens);
      assert.equal(r.totals.requests, e.loggedRequests);
      within(r.totals.costUsd, e.loggedCostUsd);
      // Where every billed request is logged, we equal the CLI's own figure.
      if (e.unloggedCostUsd === 0) within(r.totals.costUsd, e.cliTotalUsd);
      else assert.ok(r.totals.estimatedExtraUsd > 0, 'an unlogged billed request must be estimated');
      assert.deepEqual(r.diagnostics.rejected, {});
      assert.deepEqual(r.diagnostics.unpricedModels, []);
      assert.equal(r.sessions.length, e.sessions.length);
      for (const want of e.sessions) {
        const got = r.sessions.find((s) => s.sessionId === want.sessionId);
        assert.ok(got, `session ${want.sessionId}`);
        assert.equal(got.requests, want.requests);
        assert.deepEqual(got.tokens, want.tokens);
        within(got.costUsd, want.costUsd);
        assert.deepEqual([...got.models].sort(), [...want.models].sort());
        assert.equal(got.branch, truth.branch);
        assert.ok(got.project && got.project.length > 1);
      }
    });
  }
});

interface CodexTruth {
  ratesUsdPerMillion: Record<string, { input: number; cachedInput: number; output: number }>;
  steps: { responses?: { model: string; usage: { input_tokens: number; input_tokens_details?: { cached_tokens?: number }; output_tokens: number } }[] }[];
}

describe('real Codex logs', () => {
  for (const dir of fixtureDirs('test/fixtures/codex-real')) {
    it(path.basename(dir), async () => {
      const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8')) as CodexTruth;
      const served = truth.steps.flatMap((s) => s.responses ?? []);
      const want = { input: 0, cacheRead: 0, output: 0, usd: 0 };
      for (const s of served) {
        const cached = s.usage.input_tokens_details?.cached_tokens ?? 0;
        const rate = truth.ratesUsdPerMillion[s.model]!;
        want.input += s.usage.input_tokens - cached;
        want.cacheRead += cached;
        want.output += s.usage.output_tokens;
        want.usd += ((s.usage.input_tokens - cached) * rate.input + cached * rate.cachedInput + s.usage.output_tokens * rate.output) / 1e6;
      }
      const r = await reportFor({ codexDirs: [dir] });
      assert.equal(r.totals.requests, served.length);
      assert.deepEqual(r.totals.tokens, { input: want.input, output: want.output, cacheRead: want.cacheRead, cacheWrite5m: 0, cacheWrite1h: 0 });
      within(r.totals.costUsd, want.usd);
      assert.deepEqual(r.diagnostics.rejected, {});
    });
  }
});
