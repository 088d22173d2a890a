// `agent-meter statusline`: a Claude Code statusLine command. Claude Code runs it (at most every 300 ms) with the
// session's JSON on stdin and shows the first line it prints. It answers from the status summary the ledger's
// writer keeps (state dir), so a call costs a process start, one small file and one stat. When the summary is
// behind the transcript, the one call that gets the writer lock catches up (reading only new bytes); concurrent
// calls never wait for it: they answer from the summary at hand, so calls cannot pile up.
import * as z from 'zod';
import { Meter } from '../node/meter';
import { readSummary, summaryScope } from '../node/statusFile';
import { buildSummary } from '../node/statusSummary';
import type { Setup } from './options';
import { isCurrent, readStdin, renderStatusLine, runChained, type StatusInput } from './statuslineView';

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
/** The schema and the quick path's hand-written check describe the same input (checked at compile time). */
export const schemaMatchesView: z.infer<typeof statusInputSchema> extends StatusInput ? (StatusInput extends z.infer<typeof statusInputSchema> ? true : never) : never = true;

/** The full statusline: `raw` is Claude Code's stdin when the quick entry already read it. */
export async function statusline(setup: Setup, chain: string | undefined, raw?: string): Promise<string> {
  raw ??= await readStdin(2_000);
  let input: StatusInput = {};
  try {
    const parsed = statusInputSchema.safeParse(JSON.parse(raw));
    if (parsed.success) input = parsed.data;
  } catch {
    // no or bad stdin: show the totals without a session
  }
  const now = new Date();
  let summary = setup.stateDir ? readSummary(setup.stateDir) : undefined;
  const scope = summaryScope(setup.roots);
  if (!isCurrent(summary, input, setup.timeZone, scope)) {
    // Behind: catch up if no one else is (the writer lock is taken without waiting), else answer with what is here.
    const meter = new Meter({ roots: setup.roots, stateDir: setup.stateDir, workers: setup.workers, live: { prices: setup.prices, timeZone: setup.timeZone } });
    try {
      if (!setup.stateDir || meter.tryBecomeWriter()) {
        meter.open();
        await meter.catchUp();
        // The meter has written it as it persisted; this copy is for the line below.
        summary = buildSummary(meter.live!, meter.checkpoints, scope, now);
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

