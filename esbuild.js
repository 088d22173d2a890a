// One build script, several entries (STYLE.md 11). `--production` minifies; `--watch` rebuilds on change.
// Type-checking is separate: `npm run typecheck` (tsc --noEmit).
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const { version } = require('./package.json');
const watch = process.argv.includes('--watch');

/** Node-side bundles: the VS Code extension host and the CLI share the same core. */
const entries = [
  { in: 'src/extension.ts', out: 'extension', external: ['vscode', './otlpExport'] },
  // The `agent-meter` bin: a small entry for the calls that must be instant, and the full CLI it loads otherwise.
  { in: 'src/cli/entry.ts', out: 'cli', external: ['./main'], banner: '#!/usr/bin/env node' },
  { in: 'src/cli/main.ts', out: 'cliMain', external: ['./serve', './otlpExport'] },
  // Team sync's OTLP mode: the OpenTelemetry SDK, loaded on first use only (extension and CLI alike).
  { in: 'src/node/otlpExport.ts', out: 'otlpExport', external: [] },
  // `agent-meter serve`, the team server, loaded by the full CLI only for that command. Its database drivers stay
  // packages (node-sqlite3-wasm finds its .wasm beside its own file; pg has an optional native binding).
  { in: 'src/cli/serve.ts', out: 'serve', external: ['node-sqlite3-wasm', 'pg'] },
  // The Claude Code budget guard hook (`agent-meter guard install`): runs before every prompt, so it stays tiny.
  { in: 'src/guard/guard.ts', out: 'guard', external: [] },
  // Worker threads for parallel cold scans; loaded from the same dist/ folder by extension and CLI.
  { in: 'src/node/scanWorker.ts', out: 'scanWorker', external: [] },
  // The budget panel's UI, loaded by the webview (a browser, no Node): script and style sheet.
  { in: 'src/webview/panel.ts', out: 'webview', external: [], platform: 'browser', format: 'iife' },
  { in: 'src/webview/panel.css', out: 'webview', external: [], platform: 'browser' },
  // The extension's integration tests, run inside a real VS Code's extension host (test/vscode/host).
  { in: 'test/vscode/suite/index.ts', out: 'test/suite', external: ['vscode', 'mocha'] },
];

async function main() {
  const contexts = await Promise.all(
    entries.map((e) =>
      esbuild.context({
        entryPoints: { [e.out]: e.in },
        bundle: true,
        platform: e.platform ?? 'node',
        target: e.platform === 'browser' ? 'chrome120' : 'node20',
        format: e.format ?? 'cjs',
        outdir: 'dist',
        external: e.external,
        banner: e.banner ? { js: e.banner } : undefined,
        sourcemap: production ? false : 'linked',
        minify: production,
        legalComments: 'none',
        define: { AGENT_METER_VERSION: JSON.stringify(version) },
        logLevel: 'warning',
      }),
    ),
  );
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
