// "Agent Meter: Set Budget…": pick a budget (session, daily, weekly, monthly; each shows its current value), type an
// amount in USD (empty removes it), and it is written to the user's (global) settings, where the status bar, the
// panel and the guard's state pick it up. Scripts and tests can pass both answers: setBudget('daily', 5) or
// setBudget('daily', null) runs without asking anything.
import * as vscode from 'vscode';
import { parseBudget } from './budgetInput';
import { COMMANDS } from './commandIds';
import { SECTION } from './settings';

export const BUDGET_PERIODS = ['session', 'daily', 'weekly', 'monthly'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

const PERIODS: Record<BudgetPeriod, { label: string; detail: string }> = {
  session: { label: 'Session', detail: 'One agent session: the most recently active one' },
  daily: { label: 'Daily', detail: 'Today, in your time zone' },
  weekly: { label: 'Weekly', detail: 'The week from Monday' },
  monthly: { label: 'Monthly', detail: 'The calendar month' },
};

function current(period: BudgetPeriod): number | null {
  const v = vscode.workspace.getConfiguration(SECTION).get<unknown>(`budgets.${period}`);
  return typeof v === 'number' && v > 0 ? v : null;
}

const shown = (v: number | null) => (v === null ? 'not set' : `$${v.toFixed(2)}`);

async function write(period: BudgetPeriod, amount: number | null): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  await config.update(`budgets.${period}`, amount ?? undefined, vscode.ConfigurationTarget.Global);
  // A workspace value wins over the user's: say so rather than let the change look ignored.
  const inspected = config.inspect(`budgets.${period}`);
  if (inspected?.workspaceValue !== undefined || inspected?.workspaceFolderValue !== undefined) {
    void vscode.window.showWarningMessage(`Agent Meter: this workspace's settings set agentMeter.budgets.${period}, which overrides your user setting.`);
  }
}

/** The command: returns the amount written (null = removed), or undefined when cancelled. */
async function setBudget(periodArg?: unknown, amountArg?: unknown): Promise<number | null | undefined> {
  let period = (BUDGET_PERIODS as readonly unknown[]).includes(periodArg) ? (periodArg as BudgetPeriod) : undefined;
  if (period && (amountArg === null || (typeof amountArg === 'number' && amountArg > 0 && Number.isFinite(amountArg)))) {
    await write(period, amountArg);
    return amountArg;
  }
  if (!period) {
    const picked = await vscode.window.showQuickPick(
      BUDGET_PERIODS.map((p) => ({ label: PERIODS[p].label, description: shown(current(p)), detail: PERIODS[p].detail, period: p })),
      { title: 'Agent Meter: Set Budget', placeHolder: 'Which budget? (warn, throttle and stop are percentages of it)' },
    );
    if (!picked) return undefined;
    period = picked.period;
  }
  const before = current(period);
  const text = await vscode.window.showInputBox({
    title: `Agent Meter: ${PERIODS[period].label} budget`,
    prompt: `${PERIODS[period].label} budget in USD (now ${shown(before)}). Leave empty to remove it.`,
    value: before === null ? '' : String(before),
    placeHolder: 'e.g. 25',
    validateInput: (value) => (parseBudget(value) === undefined ? 'Enter a positive amount in USD, e.g. 25 or 7.50, or leave empty to remove the budget.' : undefined),
  });
  if (text === undefined) return undefined;
  const amount = parseBudget(text);
  if (amount === undefined) return undefined;
  await write(period, amount);
  return amount;
}

export function registerBudgetCommand(): vscode.Disposable {
  return vscode.commands.registerCommand(COMMANDS.setBudget, setBudget);
}
