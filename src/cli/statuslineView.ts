// The statusline's quick path, kept light (no schema library, no ledger): Claude Code starts the statusline after
// every message, so what loads on each call must be small. Reads Claude Code's JSON, renders the line from the
// status summary, runs a chained command. The zod schema for the input lives in statusline.ts; a test fuzzes
// readStatusInput against it.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { localDate, systemLocalDate } from '../core/calendar';
import { localZone } from './optionSpecs';
import type { StatusSummary, SummarySession } from '../node/statusFile';

/** The fields of Claude Code's statusLine JSON we use; all optional (older versions send fewer). */
export interface StatusInput {
  session_id?: string;
  transcript_path?: string;
  model?: { id?: string; display_name?: string };
  context_window?: {
    context_window_size?: number;
    used_percentage?: number | null;
    current_usage?: { input_tokens?: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number } | null;
  } | null;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optStr = (v: unknown) => v === undefined || typeof v === 'string';
const optNum = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isFinite(v));

/** Claude Code's statusLine JSON, or undefined when a field we read has the wrong type (as the schema decides). */
export function readStatusInput(v: unknown): StatusInput | undefined {
  if (!isObj(v)) return undefined;
  if (!optStr(v['session_id']) || !optStr(v['transcript_path'])) return undefined;
  const model = v['model'];
  if (model !== undefined && (!isObj(model) || !optStr(model['id']) || !optStr(model['display_name']))) return undefined;
  const cw = v['context_window'];
  if (cw !== undefined && cw !== null) {
    if (!isObj(cw) || !optNum(cw['context_window_size'])) return undefined;
    const pct = cw['used_percentage'];
    if (pct !== null && !optNum(pct)) return undefined;
    const u = cw['current_usage'];
    if (u !== undefined && u !== null) {
      if (!isObj(u) || !optNum(u['input_tokens']) || !optNum(u['cache_creation_input_tokens']) || !optNum(u['cache_read_input_tokens'])) return undefined;
    }
  }
  return v as StatusInput;
}

const money = (n: number) => `$${n.toFixed(2)}`;

function compactTokens(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${Math.round(n / 1e3)}k` : String(n);
}

/** Context fill: Claude Code's own figures when it sends them, else the ledger's latest main-thread request. */
export function contextFill(input: StatusInput, session: SummarySession | undefined): { pct: number; tokens?: number; window?: number } | undefined {
  const cw = input.context_window;
  if (cw?.used_percentage != null) return { pct: cw.used_percentage, window: cw.context_window_size };
  const u = cw?.current_usage;
  if (u && cw?.context_window_size) {
    const tokens = (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
    return { pct: (100 * tokens) / cw.context_window_size, tokens, window: cw.context_window_size };
  }
  if (session && session.contextWindow > 0 && session.contextTokens > 0) {
    return { pct: (100 * session.contextTokens) / session.contextWindow, tokens: session.contextTokens, window: session.contextWindow };
  }
  return undefined;
}

/** The one line: session cost, today's cost, context fill. */
export function renderStatusLine(input: StatusInput, summary: StatusSummary | undefined, now: Date): string {
  const session = input.session_id ? summary?.sessions[input.session_id] : undefined;
  const day = summary && (summary.timeZone === localZone() ? systemLocalDate(now) : localDate(now.toISOString(), summary.timeZone));
  const today = summary && day ? (summary.days[day] ?? 0) : 0;
  const parts = [`${money(session?.costUsd ?? 0)} session`, `${money(today)} today`];
  const fill = contextFill(input, session);
  if (fill) parts.push(`${Math.round(fill.pct)}% ctx${fill.tokens !== undefined && fill.window ? ` (${compactTokens(fill.tokens)}/${compactTokens(fill.window)})` : ''}`);
  return parts.join(' · ');
}

/** True when the summary has counted the transcript up to its current size. */
export function isCurrent(summary: StatusSummary | undefined, input: StatusInput, timeZone: string, scope: string): boolean {
  if (!summary || summary.timeZone !== timeZone || summary.scope !== scope) return false;
  const transcript = input.transcript_path;
  if (!transcript) return true;
  let size: number;
  try {
    size = fs.statSync(transcript).size;
  } catch {
    return true; // no transcript yet: nothing to catch up on
  }
  return summary.files[fs.realpathSync(transcript)] === size || summary.files[transcript] === size;
}

/** Reads stdin when it is piped (Claude Code closes it after the JSON); bounded so a stray call never hangs. */
export async function readStdin(timeoutMs: number): Promise<string> {
  if (process.stdin.isTTY) return '';
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      process.stdin.pause();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(done, timeoutMs);
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', done);
    process.stdin.on('error', done);
  });
}

/** Runs the user's previous statusLine command with the same stdin and returns its first line ('' on failure). */
/**
 * The environment for a chained statusLine command: ours, with NODE_EXTRA_CA_CERTS back in place when the
 * bin/agent-meter-statusline launcher took it away for our own start (the chained command may need it).
 */
export function chainedEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const saved = env['AGENT_METER_SAVED_EXTRA_CA_CERTS'];
  if (saved === undefined) return env;
  const { AGENT_METER_SAVED_EXTRA_CA_CERTS: _saved, ...rest } = env;
  return { ...rest, NODE_EXTRA_CA_CERTS: saved };
}

export function runChained(command: string, stdin: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'ignore'], env: chainedEnv(process.env) });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', () => resolve(''));
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out.split('\n')[0]?.trimEnd() ?? '');
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
  });
}
