// Team sync as the panel and the status bar show it: the sync's own state (last success, rows pending, the last
// error and when the next try is due) and, from the team server's latest answer, where the team and you stand
// against the team's budgets. Pure.
import { worstLevel } from './budget';
import type { TeamEntity, TeamPanel } from './panelProtocol';
import type { BudgetStatus, EntityStatus } from './teamProtocol';

/** The sync's state as the node side reports it (a subset of TeamSyncStatus, kept here so core stays pure). */
export interface TeamSyncState {
  state: 'never' | 'syncing' | 'ok' | 'retrying' | 'failed';
  lastSuccessAt?: string;
  pendingRows: number;
  lastError?: string;
  nextAttemptAt?: string;
  team?: BudgetStatus;
}

export interface TeamSyncSetup {
  endpoint: string;
  mode: 'agent-meter' | 'otlp';
  hasToken: boolean;
}

/** Only the origin of the endpoint is shown (a path can carry a tenant or a key). */
export function endpointOrigin(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return endpoint.slice(0, 60);
  }
}

function entity(e: EntityStatus): TeamEntity {
  return {
    id: e.id,
    level: e.level,
    periods: e.periods.map((p) => ({ period: p.period, spentUsd: p.spentUsd, limitUsd: p.limitUsd, percent: p.percent, level: p.level })),
  };
}

/** null when team sync is off (no endpoint). */
export function teamPanelView(setup: TeamSyncSetup, state: TeamSyncState | undefined): TeamPanel | null {
  if (!setup.endpoint) return null;
  const status = setup.mode === 'agent-meter' ? state?.team : undefined;
  return {
    endpoint: endpointOrigin(setup.endpoint),
    mode: setup.mode,
    sync: setup.hasToken ? (state?.state ?? 'never') : 'no-token',
    lastSuccessAt: state?.lastSuccessAt ?? null,
    pendingRows: state?.pendingRows ?? 0,
    lastError: state?.lastError ?? null,
    nextAttemptAt: state?.nextAttemptAt ?? null,
    team: status ? entity(status.team) : null,
    member: status ? entity(status.member) : null,
    asOf: status?.asOf ?? null,
  };
}

/** The most severe team-side level (the team's or yours on the team server); 'none' without an answer. */
export function teamLevel(panel: TeamPanel | null): TeamEntity['level'] {
  if (!panel?.team || !panel.member) return 'none';
  return worstLevel([panel.team.level, panel.member.level]);
}
