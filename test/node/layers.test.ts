// DESIGN.md §8: three rings. Only src/vscode and src/extension.ts may import 'vscode'; src/core does no I/O.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => path.join(dir, f));
}

const importsOf = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*|require\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);

describe('layer boundaries', () => {
  it('imports vscode only from src/vscode and src/extension.ts', () => {
    const leaks = sources('src').filter(
      (f) => !f.startsWith(path.join('src', 'vscode')) && f !== path.join('src', 'extension.ts') && importsOf(f).includes('vscode'),
    );
    assert.deepEqual(leaks, []);
  });

  it('keeps src/core free of Node I/O and of the clock', () => {
    const io = /^(node:)?(fs|fs\/promises|net|http|https|http2|child_process|worker_threads|dgram|tls|os)$/;
    const offenders: string[] = [];
    for (const f of sources(path.join('src', 'core'))) {
      for (const spec of importsOf(f)) if (io.test(spec)) offenders.push(`${f} imports ${spec}`);
      if (/Date\.now\(\)|new Date\(\)/.test(readFileSync(f, 'utf8'))) offenders.push(`${f} reads the clock`);
    }
    assert.deepEqual(offenders, []);
  });

  it('keeps the webview bundle to its own modules and the protocol\'s types (no zod, no Node, no vscode)', () => {
    const offenders: string[] = [];
    for (const f of sources(path.join('src', 'webview'))) {
      // Every import statement on its own: a value import of a module that is also imported for types still counts.
      for (const m of readFileSync(f, 'utf8').matchAll(/import\s+(type\s+)?[^;]*?from\s+['"]([^'"]+)['"]/g)) {
        const [, typeOnly, spec] = m;
        if (spec!.startsWith('./')) continue;
        if (!(spec!.startsWith('../core/') && typeOnly)) offenders.push(`${f} imports ${spec}${typeOnly ? '' : ' (not type-only)'}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
