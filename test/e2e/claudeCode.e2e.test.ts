// Real-agent e2e for Claude Code: the real CLI (npm @anthropic-ai/claude-code, native binary) runs scripted
// conversations against a fake Messages API on 127.0.0.1, then our `report --json` reads the logs it wrote.
//
// Three oracles are checked against each other, per scenario:
//   served truth (what the fake API answered)  ==  the CLI's own total_cost_usd  (validates the harness and the
//   notes' price formula), the JSONL facts the report relies on (validates the notes), and our report against both.
// Run: TZ=UTC node --import tsx --test test/e2e/claudeCode.e2e.test.ts   (AGENT_METER_E2E_KEEP=1 keeps sandboxes)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TokenUsage } from './claude/fakeAnthropic';
import { repoRoot } from './claude/runClaude';
import {
  addUsage,
  assistantLines,
  cliRatesFor,
  executeScenario,
  expectationOf,
  listJsonl,
  readLogLines,
  scenarios,
  servedCostUsd,
  usageCostUsd,
  zeroUsage,
} from './claude/scenarios';
import type { Expectation, LogLine, ScenarioOutcome } from './claude/scenarios';
import type { Report, ReportTokens } from './reportContract';

// ---------------------------------------------------------------------------------------------------------------
// The report under test: `node dist/cli.js report --json --claude-dir <dir>` (contract in ./reportContract.ts).

const cliJs = join(repoRoot, 'dist', 'cli.js');
const fixturesRoot = join(repoRoot, 'test', 'fixtures', 'claude-real');
const keepSandboxes = process.env.AGENT_METER_E2E_KEEP === '1';
/** The CLI and our price source may round rates differently; the brief allows 0.5%. */
const costTolerance = 0.005;

function runReport(claudeDir: string, home: string): Report {
  assert.ok(existsSync(cliJs), `${cliJs} is missing: run \`npm run build\` first`);
  const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC', HOME: home };
  // The report must read only the directory it is given, and keep any state inside the sandbox.
  for (const name of ['CLAUDE_CONFIG_DIR', 'CODEX_HOME', 'XDG_CONFIG_HOME', 'XDG_STATE_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME']) delete env[name];
  const stdout = execFileSync(process.execPath, [cliJs, 'report', '--json', '--claude-dir', claudeDir], {
    env,
    timeout: 30_000,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(stdout) as Report;
}

function assertCost(actual: number, expected: number, what: string): void {
  assert.equal(typeof actual, 'number', `${what}: not a number`);
  if (expected === 0) {
    assert.equal(actual, 0, `${what}: expected exactly 0, got ${actual}`);
    return;
  }
  const rel = Math.abs(actual - expected) / expected;
  assert.ok(rel <= costTolerance, `${what}: ${actual} vs expected ${expected} (off by ${(rel * 100).toFixed(3)}%)`);
}

function toUsage(t: ReportTokens): TokenUsage {
  return { input: t.input, output: t.output, cacheRead: t.cacheRead, cacheWrite5m: t.cacheWrite5m, cacheWrite1h: t.cacheWrite1h };
}

/** Served models are dated ids; a report may keep them or canonicalise them, so match on the shared stem. */
function sameModel(reported: string, served: string): boolean {
  return served.startsWith(reported) || reported.startsWith(served);
}

const usd = (n: number) => `$${n.toFixed(6)}`;

// ---------------------------------------------------------------------------------------------------------------
// Facts about the logs each scenario exists to pin down. They read the JSONL directly, independently of src/.

type LogFacts = (o: ScenarioOutcome, lines: LogLine[]) => void;

function linesFor(lines: LogLine[], messageId: string): LogLine[] {
  return lines.filter((l) => l.value.type === 'assistant' && (l.value.message as { id?: string }).id === messageId);
}

function firstRun(o: ScenarioOutcome) {
  const run = o.runs[0];
  assert.ok(run, 'scenario has no runs');
  return run;
}

const logFacts: Record<string, LogFacts> = {
  'i-retry-loop': (_o, lines) => {
    // A failing Bash call's result is written with its keys in another order than a success's: type first,
    // tool_use_id last (the reader's byte-level check relies on both orders).
    const results = lines.filter((l) => l.value['type'] === 'user' && JSON.stringify(l.value).includes('"tool_result"'));
    const failed = results.filter((l) => JSON.stringify(l.value).includes('"is_error":true'));
    assert.equal(failed.length, 4, 'four failing tool results');
    for (const l of failed) {
      const block = ((l.value['message'] as { content: Record<string, unknown>[] }).content)[0]!;
      assert.deepEqual(Object.keys(block), ['type', 'content', 'is_error', 'tool_use_id']);
      assert.match(String(block['content']), /^Exit code 1\n/);
    }
  },
  'a-multiblock': (o, lines) => {
    const served = firstRun(o).served;
    // One line per content block, all with the same id, requestId and full usage.
    assert.deepEqual(
      served.map((s) => linesFor(lines, s.messageId).length),
      [3, 2, 2, 1],
      'lines per response ([thinking,text,tool_use], 2 parallel tool_use, [text,tool_use], [text])',
    );
    for (const s of served) {
      for (const l of linesFor(lines, s.messageId)) {
        assert.equal(l.value.requestId, s.requestId);
        assert.equal((l.value.message as { usage: { output_tokens: number } }).usage.output_tokens, s.usage.output);
      }
    }
    assert.equal(assistantLines(lines).length, 8, 'a naive per-line sum would count 8 responses instead of 4');
  },
  'b-retries': (o, lines) => {
    const run = firstRun(o);
    assert.deepEqual(
      run.errors.map((e) => e.status),
      [529, 500, 429],
    );
    const text = lines.map((l) => JSON.stringify(l.value)).join('\n');
    for (const e of run.errors) assert.ok(!text.includes(e.requestId), `failed attempt ${e.requestId} must not be logged`);
    // 529 and 500 back off ~0.5 s and ~1.1 s; the 429 waits its retry-after of 1 s.
    assert.ok(run.run.durationMs >= 2000, `retries should take > 2 s, took ${run.run.durationMs} ms`);
  },
  'c-retries-exhausted': (o, lines) => {
    const run = firstRun(o);
    assert.equal(run.errors.length, 2, 'CLAUDE_CODE_MAX_RETRIES=1 means two attempts');
    assert.equal(run.run.result?.is_error, true);
    assert.equal(run.run.result?.api_error_status, 529);
    const synthetic = lines.filter((l) => l.value.type === 'assistant');
    assert.equal(synthetic.length, 1, 'exactly one assistant line, the synthetic error');
    const line = synthetic[0]!.value;
    const message = line.message as { model: string; id: string; usage: Record<string, unknown> };
    assert.equal(message.model, '<synthetic>');
    assert.doesNotMatch(message.id, /^msg_/);
    assert.equal(line.isApiErrorMessage, true);
    assert.equal(line.apiErrorStatus, 529);
    assert.equal(line.requestId, run.errors[1]!.requestId, 'the synthetic line carries the last failed attempt');
    assert.equal(message.usage.input_tokens, 0);
    assert.equal(message.usage.output_tokens, 0);
  },
  'd-resume-fork': (o, lines) => {
    const [first, resume, fork] = o.runs;
    assert.ok(first && resume && fork);
    assert.equal(resume.sessionId, first.sessionId, '--resume keeps the session id');
    assert.notEqual(fork.sessionId, first.sessionId, '--fork-session makes a new one');
    assert.equal(fork.sessionId, fork.spec.sessionId, '--session-id names the fork');
    const files = new Set(lines.map((l) => basename(l.file)));
    assert.deepEqual([...files].sort(), [`${first.sessionId}.jsonl`, `${fork.sessionId}.jsonl`].sort());
    const inFile = (sessionId: string | undefined) =>
      new Set(assistantLines(lines.filter((l) => basename(l.file) === `${sessionId}.jsonl`)).map((a) => a.messageId));
    const original = inFile(first.sessionId);
    const forked = inFile(fork.sessionId);
    for (const s of [...first.served, ...resume.served]) {
      assert.ok(original.has(s.messageId), 'first and resumed runs append to the same file');
      assert.ok(forked.has(s.messageId), 'the fork copies the whole history');
    }
    for (const s of fork.served) assert.ok(!original.has(s.messageId) && forked.has(s.messageId));
    // Copies have the new sessionId, so the session a copied line names is not where its cost was incurred.
    const copied = assistantLines(lines).filter((a) => a.messageId === first.served[0]!.messageId);
    assert.deepEqual(copied.map((a) => a.sessionId).sort(), [first.sessionId, fork.sessionId].sort());
  },
  'e-subagent': (o, lines) => {
    const run = firstRun(o);
    const sub = run.served.filter((s) => s.requestedModel.includes('haiku'));
    assert.equal(sub.length, 2);
    for (const s of sub) {
      assert.equal(s.requestedModel, 'claude-haiku-4-5-20251001', 'model "haiku" is sent as the dated id');
      const ls = linesFor(lines, s.messageId);
      assert.ok(ls.length > 0);
      for (const l of ls) {
        assert.match(l.file, /^[^/]+\/[0-9a-f-]{36}\/subagents\/agent-[0-9a-f]{17}\.jsonl$/);
        assert.equal(l.value.isSidechain, true);
        assert.equal(l.value.sessionId, run.sessionId, 'sidechain lines carry the parent session id');
        assert.equal((l.value.message as { usage: { output_tokens: number } }).usage.output_tokens, s.usage.output, 'burst stream: final usage');
      }
    }
    const mainFile = lines.filter((l) => !l.file.includes('/subagents/'));
    assert.ok(mainFile.every((l) => l.value.isSidechain !== true), 'no sidechain lines in the main file');
    // The trap: the Agent tool_result repeats the subagent's last usage; counting it would double-count.
    const trap = mainFile.find((l) => l.value.type === 'user' && typeof l.value.toolUseResult === 'object' && l.value.toolUseResult !== null && 'usage' in l.value.toolUseResult);
    assert.ok(trap, 'the Agent result line carries toolUseResult.usage');
    const metaDir = join(o.sandbox.configDir, 'projects', dirname(lines.find((l) => l.file.includes('/subagents/'))!.file));
    const meta = readdirSync(metaDir).filter((n) => n.endsWith('.meta.json'));
    assert.equal(meta.length, 1);
    const metaJson = JSON.parse(readFileSync(join(metaDir, meta[0]!), 'utf8')) as Record<string, unknown>;
    assert.equal(metaJson.agentType, 'general-purpose');
  },
  'f-models': (o, lines) => {
    const byRun = o.runs.map((r) => r.served.map((s) => s.model));
    assert.deepEqual(byRun, [
      ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5-20250929'],
      ['claude-haiku-4-5-20251001'],
      ['claude-opus-4-5-20251101'],
    ]);
    for (const r of o.runs) {
      for (const s of r.served) {
        const l = linesFor(lines, s.messageId)[0]!;
        const usage = (l.value.message as { usage: { cache_creation: { ephemeral_1h_input_tokens: number; ephemeral_5m_input_tokens: number } } }).usage;
        assert.equal(usage.cache_creation.ephemeral_1h_input_tokens, s.usage.cacheWrite1h);
        assert.equal(usage.cache_creation.ephemeral_5m_input_tokens, s.usage.cacheWrite5m);
      }
    }
  },
  'g-max-tokens': (o, lines) => {
    const [cut, continued] = firstRun(o).served;
    assert.ok(cut && continued);
    assert.equal(cut.stopReason, 'max_tokens');
    assert.equal(continued.label, 'continuation[0]', 'the second request is the hidden continuation');
    const cutLine = linesFor(lines, cut.messageId)[0];
    assert.equal((cutLine?.value.message as { stop_reason?: string } | undefined)?.stop_reason, 'max_tokens', 'logged as is');
    assert.ok(linesFor(lines, continued.messageId).length > 0, 'the continuation response is logged');
    const text = lines.map((l) => JSON.stringify(l.value)).join('\n');
    assert.ok(!text.includes('Output token limit hit'), 'the continuation prompt is not logged');
  },
  'h-compact': (o, lines) => {
    const compactRun = o.runs[1];
    assert.ok(compactRun);
    const [summary] = compactRun.served;
    assert.ok(summary && compactRun.served.length === 1);
    assert.equal(linesFor(lines, summary.messageId).length, 0, 'the summarisation response is not logged');
    assert.equal(compactRun.run.result?.num_turns, 0);
    const boundary = lines.filter((l) => l.value.type === 'system' && l.value.subtype === 'compact_boundary');
    assert.equal(boundary.length, 1);
    const meta = boundary[0]!.value.compactMetadata as { trigger: string; preTokens: number; postTokens: number };
    assert.equal(meta.trigger, 'manual');
    // preTokens is the last logged response's whole context (input + cache + output).
    const lastBefore = o.runs[0]!.served.at(-1)!.usage;
    assert.equal(meta.preTokens, lastBefore.input + lastBefore.cacheRead + lastBefore.cacheWrite5m + lastBefore.cacheWrite1h + lastBefore.output);
    assert.ok(meta.postTokens > 0);
    const synthetic = assistantLines(lines).filter((a) => a.model === '<synthetic>');
    assert.equal(synthetic.length, 1, 'the resumed turn after /compact logs a "No response requested." synthetic line');
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Scenario-specific checks on the report, on top of the generic ones.

function compactFigures(o: ScenarioOutcome, lines: LogLine[]) {
  const boundary = lines.find((l) => l.value.type === 'system' && l.value.subtype === 'compact_boundary');
  const meta = boundary?.value.compactMetadata as { preTokens: number; postTokens: number } | undefined;
  const summary = o.runs.flatMap((r) => r.served).find((s) => !s.expectLogged);
  assert.ok(meta && summary, 'compaction figures missing');
  const rates = cliRatesFor(summary.requestedModel);
  const realUsd = servedCostUsd(summary);
  const estimateByContract = (meta.preTokens * rates.input + meta.postTokens * rates.output) / 1e6;
  // The same request with its prefix fully cache-read (warm cache) or fully re-written (cold cache), for context.
  const promptTokens = summary.usage.input + summary.usage.cacheRead + summary.usage.cacheWrite5m + summary.usage.cacheWrite1h;
  const warmUsd = usageCostUsd({ ...zeroUsage(), input: promptTokens - meta.preTokens, cacheRead: meta.preTokens, output: summary.usage.output }, rates);
  const coldUsd = usageCostUsd({ ...zeroUsage(), input: promptTokens - meta.preTokens, cacheWrite5m: meta.preTokens, output: summary.usage.output }, rates);
  return { meta, realUsd, estimateByContract, warmUsd, coldUsd };
}

interface Summary {
  scenario: string;
  cliTotalUsd: number;
  servedCostUsd: number;
  loggedCostUsd: number;
  loggedTokens: TokenUsage;
  loggedRequests: number;
  reportCostUsd?: number;
  reportExtraUsd?: number;
  durationMs: number;
}

const summaries: Summary[] = [];

/** Findings expected vs raised per scenario (the detectors' precision on real-agent logs; printed after the suite). */
const precision: { scenario: string; expected: number; raised: number }[] = [];

describe('Claude Code (real CLI 2.1.197) against a fake Anthropic API', { concurrency: false }, () => {
  const suiteStarted = Date.now();
  after(() => {
    console.log('\nFindings expected vs raised:');
    console.table(precision);
    const rows = summaries.map((s) => ({
      scenario: s.scenario,
      'CLI total_cost_usd': usd(s.cliTotalUsd),
      'served (formula)': usd(s.servedCostUsd),
      'served+logged': usd(s.loggedCostUsd),
      'logged req': s.loggedRequests,
      'logged tokens in/out/cr/cw5m/cw1h': `${s.loggedTokens.input}/${s.loggedTokens.output}/${s.loggedTokens.cacheRead}/${s.loggedTokens.cacheWrite5m}/${s.loggedTokens.cacheWrite1h}`,
      'report costUsd': s.reportCostUsd === undefined ? '-' : usd(s.reportCostUsd),
      'report extra': s.reportExtraUsd === undefined ? '-' : usd(s.reportExtraUsd),
      ms: s.durationMs,
    }));
    console.log(`\nClaude Code e2e figures (suite ${((Date.now() - suiteStarted) / 1000).toFixed(1)} s):`);
    console.table(rows);
  });

  for (const scenario of scenarios) {
    describe(scenario.name, () => {
      let outcome: ScenarioOutcome | undefined;
      let expected: Expectation | undefined;
      let lines: LogLine[] = [];
      let summary: Summary | undefined;

      // Each CLI run is killed after 60 s; this bounds a whole scenario even if the fake server misbehaves.
      before(async () => {
        outcome = await executeScenario(scenario, { timeoutMs: 60_000 });
        expected = expectationOf(outcome);
        lines = readLogLines(outcome.sandbox.configDir);
        summary = {
          scenario: scenario.name,
          cliTotalUsd: expected.cliTotalUsd,
          servedCostUsd: expected.servedCostUsd,
          loggedCostUsd: expected.loggedCostUsd,
          loggedTokens: expected.loggedTokens,
          loggedRequests: expected.loggedRequests,
          durationMs: outcome.durationMs,
        };
        summaries.push(summary);
      }, { timeout: 240_000 });

      after(() => {
        if (outcome && !keepSandboxes) rmSync(outcome.sandbox.root, { recursive: true, force: true });
        else if (outcome) console.log(`kept ${scenario.name} sandbox: ${outcome.sandbox.root}`);
      });

      it('the CLI bills exactly what the fake API served (notes formula, requested-model prices)', () => {
        const o = outcome!;
        for (const r of o.runs) {
          const where = `${scenario.name}/${r.spec.label}`;
          assert.equal(r.run.timedOut, false, `${where} timed out`);
          assert.equal(r.run.exitCode, r.spec.expectExitCode, `${where} exit code; stderr: ${r.run.stderr.slice(0, 500)}`);
          assert.ok(r.run.result, `${where}: no JSON result on stdout: ${r.run.stdout.slice(0, 300)}`);
          assert.deepEqual(r.unexpected, [], `${where}: requests no route expected`);
          const served = r.served.reduce((sum, s) => sum + servedCostUsd(s), 0);
          assert.ok(Math.abs(r.run.result.total_cost_usd - served) < 1e-9, `${where}: CLI ${r.run.result.total_cost_usd} vs served ${served}`);
        }
      });

      it('the logs hold every logged response once per content block, with its final usage', () => {
        const o = outcome!;
        const assistants = assistantLines(lines);
        for (const s of o.runs.flatMap((r) => r.served)) {
          const copies = assistants.filter((a) => a.messageId === s.messageId);
          if (!s.expectLogged) {
            assert.equal(copies.length, 0, `${s.label} should not be logged`);
            continue;
          }
          assert.ok(copies.length > 0, `${s.label} (${s.messageId}) missing from the logs`);
          for (const c of copies) {
            assert.equal(c.requestId, s.requestId);
            assert.equal(c.model, s.model);
            assert.equal(c.outputTokens, s.usage.output);
          }
        }
        const servedIds = new Set(o.runs.flatMap((r) => r.served.map((s) => s.messageId)));
        for (const a of assistants) {
          assert.ok(a.model === '<synthetic>' || servedIds.has(a.messageId), `logged response ${a.messageId} was never served`);
        }
        logFacts[scenario.name]?.(o, lines);
      });

      it('our report equals the served truth and the CLI totals', () => {
        const o = outcome!;
        const e = expected!;
        const report = runReport(o.sandbox.configDir, o.sandbox.home);
        summary!.reportCostUsd = report.totals.costUsd;
        summary!.reportExtraUsd = report.totals.estimatedExtraUsd;

        // Totals: every served, logged request exactly once; the unlogged /compact request is the documented gap.
        assert.equal(report.totals.requests, e.loggedRequests, 'requests');
        assert.deepEqual(toUsage(report.totals.tokens), e.loggedTokens, 'token totals');
        assertCost(report.totals.costUsd, e.cliTotalUsd - e.unloggedCostUsd, 'totals.costUsd vs CLI total minus unlogged');
        assertCost(report.totals.costUsd, e.loggedCostUsd, 'totals.costUsd vs served logged cost');

        // Sessions: the right ids, each with its own requests (fork copies and subagents attributed correctly).
        const expectedIds = e.sessions.map((s) => s.sessionId).sort();
        const reportedIds = report.sessions.filter((s) => s.requests > 0).map((s) => s.sessionId).sort();
        assert.deepEqual(
          reportedIds,
          expectedIds,
          `sessions with requests; report has ${JSON.stringify(report.sessions.map((x) => [x.sessionId, x.requests]))}. ` +
            'A --fork-session file re-contains earlier responses under the new id; they belong to the session that made them.',
        );
        for (const want of e.sessions) {
          const got = report.sessions.find((s) => s.sessionId === want.sessionId)!;
          assert.equal(got.agent, 'claude-code');
          assert.equal(got.project, o.sandbox.projectDir, 'project is the cwd');
          assert.equal(got.branch, o.sandbox.branch, 'branch');
          assert.equal(got.requests, want.requests, `${want.sessionId} requests`);
          assert.deepEqual(toUsage(got.tokens), want.tokens, `${want.sessionId} tokens`);
          assertCost(got.costUsd, want.costUsd, `${want.sessionId} costUsd`);
          for (const m of want.models) assert.ok(got.models.some((r) => sameModel(r, m)), `${want.sessionId} models ${JSON.stringify(got.models)} lack ${m}`);
          // Context fill is the prompt of the session's latest main-thread request (with or without its output).
          const mainThread = new Set(assistantLines(lines).filter((a) => !a.isSidechain).map((a) => a.messageId));
          const latest = o.runs
            .filter((r) => r.sessionId === want.sessionId)
            .flatMap((r) => r.served)
            .filter((s) => mainThread.has(s.messageId))
            .at(-1)!.usage;
          const prompt = latest.input + latest.cacheRead + latest.cacheWrite5m + latest.cacheWrite1h;
          assert.ok([prompt, prompt + latest.output].includes(got.contextTokens), `${want.sessionId} contextTokens ${got.contextTokens}, latest prompt ${prompt}`);
          assert.equal(got.contextWindow, 200_000);
        }
        for (const s of report.sessions.filter((x) => x.requests === 0)) assert.equal(s.costUsd, 0, `${s.sessionId} has no requests but costs ${s.costUsd}`);

        // Days add up to the totals.
        const dayCost = report.days.reduce((sum, d) => sum + d.costUsd, 0);
        assert.ok(Math.abs(dayCost - report.totals.costUsd) < 1e-9, `days sum ${dayCost} vs totals ${report.totals.costUsd}`);
        const dayTokens = report.days.reduce((sum, d) => addUsage(sum, toUsage(d.tokens)), zeroUsage());
        assert.deepEqual(dayTokens, e.loggedTokens, 'day tokens');

        assert.deepEqual(report.diagnostics.unpricedModels, [], 'unpriced models');
        assert.equal(report.diagnostics.files, listJsonl(join(o.sandbox.configDir, 'projects')).length, 'files read');

        if (scenario.name === 'h-compact') {
          const f = compactFigures(o, lines);
          const session = report.sessions.find((s) => s.sessionId === e.sessions[0]!.sessionId)!;
          assert.ok(session.estimatedExtraUsd > 0, 'the compaction is estimated');
          assert.ok(report.totals.estimatedExtraUsd > 0);
          const ratio = session.estimatedExtraUsd / f.realUsd;
          console.log(
            `h-compact: preTokens ${f.meta.preTokens}, postTokens ${f.meta.postTokens}; served summarisation request ${usd(f.realUsd)} ` +
              `(same request fully cache-read ${usd(f.warmUsd)}, cache cold ${usd(f.coldUsd)}); our estimate ${usd(session.estimatedExtraUsd)} ` +
              `(contract formula ${usd(f.estimateByContract)}); estimate/real = ${ratio.toFixed(2)}, ` +
              `estimate/warm = ${(session.estimatedExtraUsd / f.warmUsd).toFixed(2)}, estimate/cold = ${(session.estimatedExtraUsd / f.coldUsd).toFixed(2)}`,
          );
          assert.ok(ratio > 1 / 3 && ratio < 3, `estimate ${session.estimatedExtraUsd} vs real ${f.realUsd}: ratio ${ratio}`);
        } else {
          assert.equal(report.totals.estimatedExtraUsd, 0, 'nothing unlogged to estimate');
        }
      });

      it('the detectors raise exactly the expected findings, with the dollars of the served truth', () => {
        const o = outcome!;
        const report = runReport(o.sandbox.configDir, o.sandbox.home);
        const want = scenario.findings ?? [];
        const served = o.runs.flatMap((r) => r.served);
        precision.push({ scenario: scenario.name, expected: want.length, raised: report.findings.length });
        assert.deepEqual(
          report.findings.map((f) => ({ kind: f.kind, pattern: f.pattern ?? undefined, severity: f.severity, turns: f.turns })),
          want.map((w) => ({ kind: w.kind, pattern: w.pattern, severity: w.severity, turns: w.turns })),
          `findings raised on ${scenario.name}: ${report.findings.map((f) => f.summary).join(' | ')}`,
        );
        for (const [i, w] of want.entries()) {
          // Priced independently of src/: the notes' formula at the rates the CLI charged.
          const usdFrom = w.usdFrom.responses.reduce((sum, k) => {
            const s = served[k]!;
            const u = w.usdFrom.part === 'whole' ? s.usage : { ...s.usage, output: 0 };
            return sum + usageCostUsd(u, cliRatesFor(s.requestedModel));
          }, 0);
          assertCost(report.findings[i]!.usdAtStake, usdFrom, `${scenario.name} finding ${i} usdAtStake`);
          assert.equal(report.findings[i]!.sessionId, o.runs[0]!.sessionId);
        }
      });
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// The recorded fixtures (test/fixtures/claude-real, written by recordFixtures.ts from these same scenarios) must
// still agree with their truth.json: this is fast and needs no CLI run, only the report.

interface FixtureTruth {
  scenario: string;
  projectDir: string;
  branch: string;
  expected: Pick<Expectation, 'cliTotalUsd' | 'loggedCostUsd' | 'unloggedCostUsd' | 'loggedRequests' | 'loggedTokens' | 'sessions'>;
}

describe('recorded Claude Code fixtures agree with their truth.json', () => {
  const names = existsSync(fixturesRoot) ? readdirSync(fixturesRoot).filter((n) => existsSync(join(fixturesRoot, n, 'truth.json'))) : [];
  let home = '';
  before(() => {
    home = mkdtempSync(join(tmpdir(), 'agent-meter-fixture-home-'));
  });
  after(() => rmSync(home, { recursive: true, force: true }));
  it('there are fixtures for every scenario', () => {
    assert.deepEqual(names.sort(), scenarios.map((s) => s.name).sort());
  });
  for (const name of names) {
    it(name, () => {
      const truth = JSON.parse(readFileSync(join(fixturesRoot, name, 'truth.json'), 'utf8')) as FixtureTruth;
      const report = runReport(join(fixturesRoot, name), home);
      assert.equal(report.totals.requests, truth.expected.loggedRequests);
      assert.deepEqual(toUsage(report.totals.tokens), truth.expected.loggedTokens);
      assertCost(report.totals.costUsd, truth.expected.loggedCostUsd, `${name} costUsd`);
      const reportedIds = report.sessions.filter((s) => s.requests > 0).map((s) => s.sessionId).sort();
      assert.deepEqual(
        reportedIds,
        truth.expected.sessions.map((s) => s.sessionId).sort(),
        `sessions with requests; report has ${JSON.stringify(report.sessions.map((x) => [x.sessionId, x.requests]))}`,
      );
      for (const want of truth.expected.sessions) {
        const got = report.sessions.find((s) => s.sessionId === want.sessionId)!;
        assert.equal(got.requests, want.requests);
        assert.equal(got.project, truth.projectDir);
        assert.equal(got.branch, truth.branch);
      }
    });
  }
});
