// Regenerates test/fixtures/claude-real/<scenario>/: the `projects/` tree the real Claude Code CLI wrote for each
// e2e scenario, plus a truth.json with what the fake API served and what the CLI said it cost. Fast unit tests read
// these instead of running the CLI.
//
// Run: node --import tsx test/e2e/claude/recordFixtures.ts [scenario-name-prefix…]
//
// Sandboxes live at a fixed path (<tmpdir>/agent-meter-fixtures/<scenario>) so the `cwd` inside the logs stays the
// same from one recording to the next; only ids and timestamps change.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { claudeBin, repoRoot } from './runClaude';
import { executeScenario, expectationOf, listJsonl, scenarios, servedCostUsd } from './scenarios';
import type { ScenarioOutcome } from './scenarios';

const fixturesRoot = join(repoRoot, 'test', 'fixtures', 'claude-real');
const sandboxesRoot = join(tmpdir(), 'agent-meter-fixtures');

/** The served truth and the CLI's own figures, in the shape unit tests want to assert against. */
export function truthOf(o: ScenarioOutcome, cliVersion: string): Record<string, unknown> {
  const e = expectationOf(o);
  return {
    scenario: o.scenario.name,
    description: o.scenario.description,
    recordedWith: `@anthropic-ai/claude-code ${cliVersion}, test/e2e/claude/recordFixtures.ts`,
    projectDir: o.sandbox.projectDir,
    branch: o.sandbox.branch,
    runs: o.runs.map((r) => ({
      label: r.spec.label,
      args: r.run.args,
      exitCode: r.run.exitCode,
      sessionId: r.sessionId,
      isError: r.run.result?.is_error ?? null,
      totalCostUsd: r.run.result?.total_cost_usd ?? null,
      modelUsage: r.run.result?.modelUsage ?? null,
    })),
    served: o.runs.flatMap((r) =>
      r.served.map((s) => ({
        run: r.spec.label,
        sessionId: r.sessionId,
        label: s.label,
        requestId: s.requestId,
        messageId: s.messageId,
        requestedModel: s.requestedModel,
        model: s.model,
        stopReason: s.stopReason,
        usage: s.usage,
        costUsd: servedCostUsd(s),
        logged: s.expectLogged,
      })),
    ),
    failedAttempts: o.runs.flatMap((r) => r.errors.map((x) => ({ run: r.spec.label, requestId: x.requestId, status: x.status }))),
    expected: e,
  };
}

/** Copies the logs only: `.jsonl` transcripts and the subagent `.meta.json` files next to them. */
function copyProjects(from: string, to: string): number {
  let bytes = 0;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.jsonl') || name.endsWith('.meta.json')) {
        const target = join(to, relative(from, full));
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(full, target);
        bytes += statSync(full).size;
      }
    }
  };
  walk(from);
  return bytes;
}

async function main(): Promise<void> {
  const prefixes = process.argv.slice(2);
  const chosen = scenarios.filter((s) => prefixes.length === 0 || prefixes.some((p) => s.name.startsWith(p)));
  const cliVersion = execFileSync(claudeBin, ['--version'], { encoding: 'utf8' }).trim().split(' ')[0] ?? 'unknown';
  let total = 0;
  for (const scenario of chosen) {
    const root = join(sandboxesRoot, scenario.name);
    rmSync(root, { recursive: true, force: true });
    const outcome = await executeScenario(scenario, { root });
    // Only a recording where the CLI behaved as scripted and billed exactly what was served is worth keeping.
    for (const r of outcome.runs) {
      const served = r.served.reduce((sum, s) => sum + servedCostUsd(s), 0);
      const problems = [
        r.run.exitCode !== r.spec.expectExitCode && `exit ${r.run.exitCode}`,
        r.unexpected.length > 0 && `${r.unexpected.length} unexpected requests`,
        Math.abs((r.run.result?.total_cost_usd ?? NaN) - served) > 1e-9 && `CLI ${r.run.result?.total_cost_usd} vs served ${served}`,
      ].filter(Boolean);
      if (problems.length > 0) throw new Error(`${scenario.name}/${r.spec.label}: ${problems.join(', ')}; stderr: ${r.run.stderr.slice(0, 500)}`);
    }
    const target = join(fixturesRoot, scenario.name);
    rmSync(target, { recursive: true, force: true });
    const bytes = copyProjects(join(outcome.sandbox.configDir, 'projects'), join(target, 'projects'));
    writeFileSync(join(target, 'truth.json'), JSON.stringify(truthOf(outcome, cliVersion), null, 2) + '\n');
    total += bytes;
    const files = listJsonl(join(target, 'projects')).length;
    console.log(`${scenario.name}: ${files} jsonl files, ${(bytes / 1024).toFixed(1)} KB of logs`);
    rmSync(root, { recursive: true, force: true });
  }
  rmSync(sandboxesRoot, { recursive: true, force: true });
  console.log(`total ${(total / 1024).toFixed(1)} KB of logs in ${relative(repoRoot, fixturesRoot)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
