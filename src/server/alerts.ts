// Budget alerts: which thresholds a status has crossed (pure), and the webhook POST of one alert. Each alert is sent
// at most once per (team, scope, member, period, period start, level): the store's unique constraint decides, so
// several server instances never send the same alert twice (notes/pricing-and-team-sync.md §3.4: dedupe per entity,
// threshold and period, not per event with a TTL as LiteLLM does).
import type { BudgetThresholds } from '../core/budget';
import type { BudgetAlert, BudgetStatus, EntityStatus } from '../core/teamProtocol';

const LEVELS = ['warn', 'throttle', 'stop'] as const;

function entityAlerts(entity: EntityStatus, scope: 'team' | 'member', team: string, thresholds: BudgetThresholds, at: string): BudgetAlert[] {
  const alerts: BudgetAlert[] = [];
  for (const p of entity.periods) {
    if (p.limitUsd === null || p.percent === null) continue;
    for (const level of LEVELS) {
      const thresholdPercent = thresholds[`${level}Percent`];
      if (p.percent < thresholdPercent) continue;
      alerts.push({
        event: level === 'stop' ? 'budget_crossed' : 'threshold_crossed',
        team,
        ...(scope === 'member' ? { member: entity.id } : {}),
        scope,
        period: p.period,
        periodStart: p.start,
        thresholdPercent,
        level,
        spentUsd: p.spentUsd,
        limitUsd: p.limitUsd,
        at,
      });
    }
  }
  return alerts;
}

/** Every threshold the team and the member are at or past now (the store keeps only the first of each). */
export function crossedThresholds(status: BudgetStatus): BudgetAlert[] {
  const team = status.team.id;
  return [
    ...entityAlerts(status.team, 'team', team, status.thresholds, status.asOf),
    ...(status.member.id ? entityAlerts(status.member, 'member', team, status.thresholds, status.asOf) : []),
  ];
}

/** True for the URLs a webhook may go to. */
export function isWebhookUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

export interface WebhookOptions {
  timeoutMs: number;
  attempts: number;
  /** Wait before the second attempt; doubled for each further one. */
  backoffMs: number;
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookOptions = { timeoutMs: 5_000, attempts: 3, backoffMs: 1_000 };

/**
 * POSTs one alert, retrying network failures, timeouts, 429 and 5xx a bounded number of times. Resolves to an
 * error message, or undefined once a 2xx came back; never rejects.
 */
export async function postAlert(url: string, alert: BudgetAlert, options: WebhookOptions): Promise<string | undefined> {
  if (!isWebhookUrl(url)) return `not an http(s) URL`;
  let problem = '';
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, options.backoffMs * 2 ** (attempt - 2)));
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'agent-meter-server' },
        body: JSON.stringify(alert),
        signal: AbortSignal.timeout(options.timeoutMs),
        redirect: 'error',
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return undefined;
      problem = `HTTP ${res.status}`;
      if (res.status !== 429 && res.status < 500) return problem;
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
    }
  }
  return `${problem} (after ${options.attempts} attempts)`;
}
