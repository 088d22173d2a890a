// Command ids (STYLE 10): one constant each, matching package.json `contributes.commands` (a test checks both ways).
export const COMMANDS = {
  showSessionCost: 'agentMeter.showSessionCost',
  openPanel: 'agentMeter.openPanel',
  exportReport: 'agentMeter.exportReport',
  showLog: 'agentMeter.showLog',
  setBudget: 'agentMeter.setBudget',
  configureTeamSync: 'agentMeter.configureTeamSync',
  setTeamToken: 'agentMeter.setTeamToken',
  syncNow: 'agentMeter.syncNow',
  installGuard: 'agentMeter.installGuard',
  removeGuard: 'agentMeter.removeGuard',
} as const;

export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

/** The budget panel's webview type (also the serializer's key, declared in package.json). */
export const PANEL_VIEW_TYPE = 'agentMeter.panel';
