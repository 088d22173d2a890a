// The extension's settings (STYLE 4): one zod schema whose defaults equal package.json `contributes.configuration`
// (a test checks the two never drift). Settings are bytes from outside: a bad value falls back to its default and
// is reported, never thrown.
import * as z from 'zod';
import type { FindingThresholds } from './findings';
import type { PanelBudgets } from './periods';
import { priceOverridesSchema } from './pricing';

const budget = z.number().positive().nullable();
const percent = z.number().min(1).max(1000);

/** Every setting under `agentMeter.`, by its key relative to that section. */
export const settingsSchema = z.object({
  /** What the status bar item shows: the most recently updated session, or today's total. */
  'statusBar.show': z.enum(['session', 'today']).default('session'),
  /** Budget for one agent session (the most recently active one). */
  'budgets.session': budget.default(null),
  'budgets.daily': budget.default(null),
  'budgets.weekly': budget.default(null),
  'budgets.monthly': budget.default(null),
  'budgets.warnPercent': percent.default(70),
  'budgets.throttlePercent': percent.default(90),
  'budgets.stopPercent': percent.default(100),
  /** Context fill (in % of the model's window) at which context creep is a warning finding. */
  'context.warnPercent': z.number().min(1).max(100).default(60),
  /** …and a critical one; the status bar turns to the warning colour there too. */
  'context.criticalPercent': z.number().min(1).max(100).default(80),
  /** A single request that grows the prompt by this share of the window is called out (a large tool result). */
  'findings.contextJumpPercent': z.number().min(1).max(100).default(10),
  'findings.sameToolCalls': z.number().int().min(2).max(100).default(5),
  'findings.failingCommand': z.number().int().min(2).max(100).default(3),
  'findings.editFailCycles': z.number().int().min(2).max(100).default(3),
  'findings.apiErrors': z.number().int().min(1).max(100).default(2),
  'findings.maxTokens': z.number().int().min(2).max(100).default(2),
  'findings.burnUsdPerHour': z.number().positive().default(30),
  'findings.burnWindowMinutes': z.number().int().min(1).max(240).default(15),
  'findings.churnTurns': z.number().int().min(2).max(100).default(4),
  /** Pop-up notifications for budget thresholds and findings (each once per period or finding). */
  'notifications.enabled': z.boolean().default(true),
  /** Claude Code config dirs to read besides the defaults (CLAUDE_CONFIG_DIR, ~/.config/claude, ~/.claude). */
  'sources.claudeConfigDirs': z.array(z.string()).default([]),
  /** Codex homes to read besides the default (CODEX_HOME or ~/.codex). */
  'sources.codexHomes': z.array(z.string()).default([]),
  /** IANA time zone for days, weeks and months; empty = the system's. */
  timeZone: z.string().default(''),
  /** Where the persistent ledger lives; empty = AGENT_METER_HOME or ~/.agent-meter. */
  stateDir: z.string().default(''),
  /** Price rows that override or add to the built-in table (same shape as the CLI's --pricing file). */
  'pricing.overrides': priceOverridesSchema.default([]),
  /** Team server (or OTLP receiver) URL; '' = team sync off. Machine scope: a workspace cannot redirect it. */
  'teamSync.endpoint': z.union([z.literal(''), z.string().regex(/^https?:\/\/\S+$/, 'an http(s) URL')]).default(''),
  'teamSync.team': z.string().max(200).default(''),
  /** '' = git config user.email. */
  'teamSync.member': z.string().max(200).default(''),
  'teamSync.mode': z.enum(['agent-meter', 'otlp']).default('agent-meter'),
  'teamSync.intervalSeconds': z.number().min(15).max(3600).default(60),
  'teamSync.shareRepo': z.enum(['name', 'hash', 'off']).default('name'),
  'teamSync.shareBranch': z.enum(['name', 'hash', 'off']).default('name'),
});

export type Settings = z.infer<typeof settingsSchema>;
export type SettingKey = keyof Settings;

export const SETTING_KEYS = Object.keys(settingsSchema.shape) as SettingKey[];

/** The defaults, as parsing an empty object gives them. */
export function defaultSettings(): Settings {
  return settingsSchema.parse({});
}

export interface ParsedSettings {
  settings: Settings;
  /** One line per value that was ignored, e.g. "agentMeter.budgets.daily: expected number, got -3 (using none)". */
  problems: string[];
}

/** Validates raw values key by key: a bad one falls back to its default and is reported. */
export function parseSettings(raw: Partial<Record<SettingKey, unknown>>): ParsedSettings {
  const settings = defaultSettings() as Record<SettingKey, unknown>;
  const problems: string[] = [];
  for (const key of SETTING_KEYS) {
    const value = raw[key];
    if (value === undefined) continue;
    const field = settingsSchema.shape[key] as z.ZodType;
    const parsed = field.safeParse(value);
    if (parsed.success) settings[key] = parsed.data;
    else {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length ? ` at ${issue.path.join('.')}` : '';
      problems.push(`agentMeter.${key}: ${issue?.message ?? 'invalid'}${where} (using the default)`);
    }
  }
  const s = settings as Settings;
  if (s['context.warnPercent'] > s['context.criticalPercent']) {
    problems.push(`agentMeter.context: warnPercent ${s['context.warnPercent']} is above criticalPercent ${s['context.criticalPercent']}; using 60/80`);
    s['context.warnPercent'] = 60;
    s['context.criticalPercent'] = 80;
  }
  const { 'budgets.warnPercent': warn, 'budgets.throttlePercent': throttle, 'budgets.stopPercent': stop } = s;
  if (!(warn <= throttle && throttle <= stop)) {
    problems.push(`agentMeter.budgets: thresholds must rise (warn ${warn} ≤ throttle ${throttle} ≤ stop ${stop}); using 70/90/100`);
    s['budgets.warnPercent'] = 70;
    s['budgets.throttlePercent'] = 90;
    s['budgets.stopPercent'] = 100;
  }
  return { settings: s, problems };
}

/** The budgets and thresholds the views need, from the settings. */
export function budgetsOf(s: Settings): PanelBudgets {
  return {
    session: s['budgets.session'],
    daily: s['budgets.daily'],
    weekly: s['budgets.weekly'],
    monthly: s['budgets.monthly'],
    warnPercent: s['budgets.warnPercent'],
    throttlePercent: s['budgets.throttlePercent'],
    stopPercent: s['budgets.stopPercent'],
  };
}

/** The detectors' thresholds, from the settings. */
export function thresholdsOf(s: Settings): FindingThresholds {
  return {
    contextWarnPercent: s['context.warnPercent'],
    contextCriticalPercent: s['context.criticalPercent'],
    contextJumpPercent: s['findings.contextJumpPercent'],
    sameToolCalls: s['findings.sameToolCalls'],
    failingCommand: s['findings.failingCommand'],
    editFailCycles: s['findings.editFailCycles'],
    apiErrors: s['findings.apiErrors'],
    maxTokens: s['findings.maxTokens'],
    burnUsdPerHour: s['findings.burnUsdPerHour'],
    burnWindowMinutes: s['findings.burnWindowMinutes'],
    churnTurns: s['findings.churnTurns'],
  };
}
