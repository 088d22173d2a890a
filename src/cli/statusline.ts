// `agent-meter statusline`: a Claude Code statusLine command. Claude Code runs it (at most every 300 ms) with the
// session's JSON on stdin and shows the first line it prints. It answers from the status summary the ledger's
// writer keeps (state dir), so a call costs a process start, one small file and one stat. When the summary is
// behind the transcript, the one call that gets the writer lock catches up (reading only new bytes); concurrent
// calls never wait for it: they answer from the summary at hand, so calls cannot pile up.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as z from 'zod';
import { localDate } from '../core/report';
import { Meter } from '../node/meter';
import { buildSummary, readSummary, type StatusSummary, type SummarySession } from '../node/statusSummary';
import type { Setup } from './options';

/** The fields of Claude Code's statusLine JSON we use; all optional (older versions send fewer). */
export const statusInputSchema = z
  .object({
    session_id: z.string().optional(),
    transcript_path: z.string().optional(),
    model: z.object({ id: z.string().optional(), display_name: z.string().optional() }).partial().optional(),
    context_window: z
      .object({
        context_window_size: z.number().optional(),
        used_percentage: z.number().nullable().optional(),
        current_usage: z
          .object({
            input_tokens: z.number().optional(),
            cache_creation_input_tokens: z.number().optional(),
            cache_read_input_tokens: z.number().optional(),
          })
          .partial()
          .nullable()
          .optional(),
      })
      .partial()
      .nullable()
      .optional(),
  })
  .partial();
export type StatusInput = z.infer<typeof statusInputSchema>;

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
  const today = summary ? (summary.days[localDate(now.toISOString(), summary.timeZone)] ?? 0) : 0;
  const parts = [`${money(session?.costUsd ?? 0)} session`, `${money(today)} today`];
  const fill = contextFill(input, session);
  if (fill) parts.push(`${Math.round(fill.pct)}% ctx${fill.tokens !== undefined && fill.window ? ` (${compactTokens(fill.tokens)}/${compactTokens(fill.window)})` : ''}`);
  return parts.join(' · ');
}

/** Reads stdin when it is piped (Claude Code closes it after the JSON); bounded so a stray call never hangs. */
async function readStdin(timeoutMs: number): Promise<string> {
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
function runChained(command: string, stdin: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'ignore'] });
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

/** True when the summary has counted the transcript up to its current size. */
function isCurrent(summary: StatusSummary | undefined, input: StatusInput, timeZone: string): boolean {
  if (!summary || summary.timeZone !== timeZone) return false;
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

export async function statusline(setup: Setup, chain: string | undefined): Promise<string> {
  const raw = await readStdin(2_000);
  let input: StatusInput = {};
  try {
    const parsed = statusInputSchema.safeParse(JSON.parse(raw));
    if (parsed.success) input = parsed.data;
  } catch {
    // no or bad stdin: show the totals without a session
  }
  const now = new Date();
  let summary = setup.stateDir ? readSummary(setup.stateDir) : undefined;
  if (!isCurrent(summary, input, setup.timeZone)) {
    // Behind: catch up if no one else is (the writer lock is taken without waiting), else answer with what is here.
    const meter = new Meter({ roots: setup.roots, stateDir: setup.stateDir, workers: setup.workers, live: { prices: setup.prices, timeZone: setup.timeZone } });
    try {
      if (!setup.stateDir || meter.tryBecomeWriter()) {
        meter.open();
        await meter.catchUp();
        summary = buildSummary(meter.live!, meter.checkpoints, now);
      }
    } finally {
      meter.close();
    }
  }
  let line = renderStatusLine(input, summary, now);
  if (chain) {
    const chained = await runChained(chain, raw, 1_500);
    if (chained) line = `${line} │ ${chained}`;
  }
  return line;
}

