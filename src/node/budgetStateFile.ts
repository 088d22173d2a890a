// `<stateDir>/budget-state.json`: the budget state the extension publishes for the Claude Code guard (DESIGN §6).
// Written atomically, so the hook reads the old state or the new one, never half of one. The writer refreshes it at
// least every BUDGET_STATE_HEARTBEAT_MS; the guard ignores a file older than STALE_AFTER_MS (10 min), so when no
// VS Code runs any more the guard lets everything through instead of enforcing a state nobody keeps current.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { budgetStateSchema, type BudgetState, type BudgetStateName } from '../core/guardDecision';
import { writeFileAtomic } from './atomicWrite';

export const BUDGET_STATE_FILE = 'budget-state.json';

/** How often a running extension rewrites the file when nothing changed (well inside the guard's 10-minute window). */
export const BUDGET_STATE_HEARTBEAT_MS = 60_000;

export function budgetStatePath(stateDir: string): string {
  return path.join(stateDir, BUDGET_STATE_FILE);
}

/** Publishes the state (creating the state dir if needed); returns what was written. Throws on I/O errors. */
export function writeBudgetState(stateDir: string, update: { state: BudgetStateName; reason: string; sessionId?: string }, now: Date = new Date()): BudgetState {
  const state: BudgetState = { version: 1, updatedAt: now.toISOString(), state: update.state, reason: update.reason };
  if (update.sessionId) state.sessionId = update.sessionId;
  fs.mkdirSync(stateDir, { recursive: true });
  // Not fsynced: the next heartbeat rewrites it, and a torn file after a crash reads as invalid, which allows.
  writeFileAtomic(budgetStatePath(stateDir), `${JSON.stringify(state, null, 2)}\n`, { durable: false });
  return state;
}

export type BudgetStateRead = { ok: true; state: BudgetState } | { ok: false; problem: 'missing' | 'unreadable' | 'invalid'; detail: string };

/** The published state as it is on disk (not judged for staleness: see isFresh in core/guardDecision). */
export function readBudgetState(stateDir: string): BudgetStateRead {
  const file = budgetStatePath(stateDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { ok: false, problem: 'missing', detail: `${file} does not exist` } : { ok: false, problem: 'unreadable', detail: `${file}: ${code ?? String(err)}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: 'invalid', detail: `${file}: ${(err as Error).message}` };
  }
  const parsed = budgetStateSchema.safeParse(json);
  if (!parsed.success) return { ok: false, problem: 'invalid', detail: `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}` };
  return { ok: true, state: parsed.data };
}
