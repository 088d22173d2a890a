// Extension entry point. The ledger engine lives in src/core and src/node; the VS Code surfaces
// (status bar, commands, panel) arrive with the "In VS Code" issue. Activation does nothing yet.
import type * as vscode from 'vscode';

/** Called by VS Code on `onStartupFinished`. */
export function activate(_context: vscode.ExtensionContext): void {
  // Intentionally empty until the VS Code adapters land.
}

/** Called by VS Code on shutdown; every resource is owned by `context.subscriptions`. */
export function deactivate(): void {}
