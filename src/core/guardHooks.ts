// Adding the budget guard to, and taking it out of, a Claude Code settings.json (already parsed). Pure: the file I/O,
// the backup and the atomic write are src/node/guardInstall.ts.
//
// Shape (Claude Code hooks settings): `hooks.<Event>` is an array of matcher groups `{ matcher?, hooks: [{ type:
// "command", command, timeout? }] }`. Our entries are recognised by a marker argument in their command, so remove
// never touches a hook the user wrote, and install replaces an older entry of ours (say, from a moved install)
// instead of adding a second one. Everything else in the file is kept as it is, key order included.

/** The argument that marks a hook command as ours. */
export const GUARD_MARKER = '--agent-meter-guard';

/** Seconds Claude Code gives the hook; the guard answers in well under a second, and a timeout lets the agent through. */
export const GUARD_TIMEOUT_SECONDS = 10;

/** The events the guard listens to, and the matcher of its group in each. */
export const GUARD_EVENTS: readonly { event: 'UserPromptSubmit' | 'PreToolUse'; matcher?: string }[] = [
  { event: 'UserPromptSubmit' },
  { event: 'PreToolUse', matcher: 'Agent|Task' },
];

type Json = Record<string, unknown>;

export type GuardHooksResult =
  | { ok: true; settings: Json; changed: boolean; /** events whose entries were added, replaced or removed */ events: string[] }
  | { ok: false; problem: string };

/** Whether a hook entry is one of ours. */
export function isGuardHook(hook: unknown): boolean {
  if (!isObject(hook)) return false;
  const command = hook['command'];
  return typeof command === 'string' && command.split(/\s+/).includes(GUARD_MARKER);
}

/** Settings with the guard's hooks for `command` (which must carry GUARD_MARKER), and ours from before removed. */
export function installGuardHooks(settings: unknown, command: string): GuardHooksResult {
  if (!command.split(/\s+/).includes(GUARD_MARKER)) return { ok: false, problem: `the hook command must carry ${GUARD_MARKER}` };
  const stripped = removeGuardHooks(settings);
  if (!stripped.ok) return stripped;
  // Exactly our entries already there: leave the file alone (even if the user's groups moved around them).
  if (isObject(settings) && GUARD_EVENTS.every((e) => sameJson(guardHooksOf(settings, e.event), [guardGroup(e.matcher, command)]))) {
    return { ok: true, settings: structuredClone(settings), changed: false, events: [] };
  }
  const next = stripped.settings;
  const hooks = isObject(next['hooks']) ? next['hooks'] : {};
  next['hooks'] = hooks;
  for (const { event, matcher } of GUARD_EVENTS) {
    const groups = Array.isArray(hooks[event]) ? (hooks[event] as unknown[]) : [];
    groups.push(guardGroup(matcher, command));
    hooks[event] = groups;
  }
  return { ok: true, settings: next, changed: true, events: GUARD_EVENTS.map((e) => e.event) };
}

function guardGroup(matcher: string | undefined, command: string): Json {
  const entry = { type: 'command', command, timeout: GUARD_TIMEOUT_SECONDS };
  return matcher === undefined ? { hooks: [entry] } : { matcher, hooks: [entry] };
}

/** Each of our entries under `event`, as a group of its own with the matcher it sits under. */
function guardHooksOf(settings: Json, event: string): Json[] {
  const hooks = settings['hooks'];
  const groups = isObject(hooks) ? hooks[event] : undefined;
  if (!Array.isArray(groups)) return [];
  const found: Json[] = [];
  for (const group of groups) {
    if (!isObject(group) || !Array.isArray(group['hooks'])) continue;
    for (const h of group['hooks'] as unknown[]) {
      if (isGuardHook(h)) found.push(group['matcher'] === undefined ? { hooks: [h] } : { matcher: group['matcher'], hooks: [h] });
    }
  }
  return found;
}

/**
 * Settings without any hook of ours. A matcher group, event array or `hooks` object that only became empty because
 * ours were taken out goes too; one the user left empty stays.
 */
export function removeGuardHooks(settings: unknown): GuardHooksResult {
  if (settings === undefined) return { ok: true, settings: {}, changed: false, events: [] };
  if (!isObject(settings)) return { ok: false, problem: 'the settings are not a JSON object' };
  const next = structuredClone(settings);
  if (next['hooks'] === undefined) return { ok: true, settings: next, changed: false, events: [] };
  const hooks = next['hooks'];
  if (!isObject(hooks)) return { ok: false, problem: '"hooks" is not an object' };
  const events: string[] = [];
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) {
      // Not ours to judge unless we would write there.
      if (GUARD_EVENTS.some((e) => e.event === event)) return { ok: false, problem: `"hooks.${event}" is not an array` };
      continue;
    }
    let removedHere = false;
    const kept: unknown[] = [];
    for (const group of groups) {
      if (!isObject(group) || !Array.isArray(group['hooks'])) {
        kept.push(group);
        continue;
      }
      const inner = group['hooks'] as unknown[];
      const rest = inner.filter((h) => !isGuardHook(h));
      if (rest.length === inner.length) {
        kept.push(group);
        continue;
      }
      removedHere = true;
      if (rest.length > 0) kept.push({ ...group, hooks: rest });
    }
    if (!removedHere) continue;
    events.push(event);
    if (kept.length > 0) hooks[event] = kept;
    else delete hooks[event];
  }
  if (events.length > 0 && Object.keys(hooks).length === 0) delete next['hooks'];
  return { ok: true, settings: next, changed: events.length > 0, events };
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
