// What "Set Budget…" accepts as an amount. Apart from the command (no `vscode` import) so a unit test reaches it.

/** The amount typed, in USD: null for empty (remove the budget), undefined when it is not a positive number.
 * A leading "$" and thousands separators are allowed ("$1,250.50"). */
export function parseBudget(text: string): number | null | undefined {
  if (text.trim() === '') return null;
  const t = text.trim().replace(/^\$\s*/, '').replace(/,/g, '');
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}
