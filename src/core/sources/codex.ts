// Codex CLI rollout lines (notes/codex-logs.md). Envelope `{timestamp, type, payload}`. One billed response per
// `token_usage_record` (or, in logs without those, per `token_count.last_token_usage`); never sum
// `total_token_usage`. `input_tokens` includes cached input, `output_tokens` includes reasoning. The model comes
// from the preceding `turn_context`, so the parser keeps per-file state. A fork's first token_count already holds
// the parent's running total, so records are keyed by the thread's running total (or the response id), never by
// "last total per file".
import * as z from 'zod';
import { zeroTokens, type ParsedLine, type SessionEvent, type TokenCounts } from '../usageRecord';
import { intern, internOpt, parseJsonObject, textHash, type FileParser } from './jsonl';

const count = z.number().int().nonnegative();

export const codexUsageSchema = z.object({
  input_tokens: count,
  cached_input_tokens: count.nullish(),
  cache_write_input_tokens: count.nullish(),
  output_tokens: count,
  reasoning_output_tokens: count.nullish(),
  total_tokens: count.nullish(),
});
export type CodexUsage = z.infer<typeof codexUsageSchema>;

const envelopeSchema = z.object({
  timestamp: z.string().min(10),
  type: z.string(),
  payload: z.record(z.string(), z.unknown()),
});

const sessionMetaSchema = z.object({
  id: z.string().nullish(),
  session_id: z.string().nullish(),
  cwd: z.string().nullish(),
  git: z.object({ branch: z.string().nullish() }).nullish(),
});

const turnContextSchema = z.object({ model: z.string().nullish(), cwd: z.string().nullish() });

/** A tool call of the response being streamed (`arguments` is a JSON string, e.g. `{"cmd":"ls -a"}`). */
const functionCallSchema = z.object({ type: z.literal('function_call'), name: z.string().min(1), arguments: z.string().nullish(), call_id: z.string().min(1) });
/** Its result; a command's output starts with a header that carries its exit code. */
const functionCallOutputSchema = z.object({ type: z.literal('function_call_output'), call_id: z.string().min(1), output: z.unknown() });
const EXIT_CODE = /Process exited with code (\d+)/;

/** The command a Codex shell call runs: `cmd` (a string; exec_command) or `command` (an argv array; older shell). */
function commandOf(args: string | null | undefined): string | undefined {
  if (!args) return undefined;
  try {
    const v = JSON.parse(args) as unknown;
    if (typeof v !== 'object' || v === null) return undefined;
    const r = v as Record<string, unknown>;
    if (typeof r['cmd'] === 'string') return r['cmd'];
    if (Array.isArray(r['command']) && r['command'].every((x) => typeof x === 'string')) return (r['command'] as string[]).join(' ');
  } catch {
    // Arguments that are not JSON: the call still counts, without a target.
  }
  return undefined;
}

const usageRecordSchema = z.object({
  response_id: z.string().nullish(),
  usage: codexUsageSchema,
  thread_token_usage: codexUsageSchema.nullish(),
  thread_id: z.string().nullish(),
  session_id: z.string().nullish(),
});

const tokenCountSchema = z.object({
  type: z.literal('token_count'),
  info: z
    .object({
      total_token_usage: codexUsageSchema.nullish(),
      last_token_usage: codexUsageSchema.nullish(),
      model_context_window: count.nullish(),
    })
    .nullish(),
});

/** OpenAI usage → our token types: uncached input = input − cached (− cache write, when a server reports one). */
export function codexTokens(u: CodexUsage): TokenCounts {
  const t = zeroTokens();
  const cached = u.cached_input_tokens ?? 0;
  const written = u.cache_write_input_tokens ?? 0;
  t.input = Math.max(0, u.input_tokens - cached - written);
  t.cacheRead = cached;
  t.cacheWrite5m = written;
  t.output = u.output_tokens;
  return t;
}

/** What the parser carries from line to line (the model of the current turn above all). */
export interface CodexParserState {
  sessionId?: string;
  project?: string;
  branch?: string;
  model?: string;
  contextWindow?: number;
  /** Tool calls of the response whose usage line has not come yet. */
  pendingCalls?: { toolId: number; name: string; fingerprint: number; target: number }[];
}

/** `fileThreadId` comes from the rollout file name (`rollout-<time>-<thread id>.jsonl`) until session_meta says. */
export function createCodexFileParser(fileThreadId: string, resume: CodexParserState = {}): FileParser {
  let sessionId = resume.sessionId ?? fileThreadId;
  let project = resume.project;
  let branch = resume.branch;
  let model = resume.model;
  let contextWindow = resume.contextWindow;
  // A response's function_call items come before its usage line; they are handed over with the record.
  let pendingCalls = resume.pendingCalls ?? [];

  function usage(timestamp: string, u: CodexUsage, key: string): ParsedLine {
    const events: SessionEvent[] | undefined = pendingCalls.length ? pendingCalls.map((c) => ({ kind: 'tool-call', key, ...c })) : undefined;
    pendingCalls = [];
    return {
      kind: 'usage',
      events,
      record: {
        agent: 'codex',
        key,
        sessionId,
        timestamp,
        model: model ?? 'unknown',
        project,
        branch,
        tokens: codexTokens(u),
        webSearchRequests: 0,
        fast: false,
        contextWindow,
      },
    };
  }

  return {
    needles: ['"session_meta"', '"turn_context"', '"token_usage_record"', '"token_count"', '"function_call"', '"function_call_output"'],
    state: (): CodexParserState => ({ sessionId, project, branch, model, contextWindow, ...(pendingCalls.length ? { pendingCalls } : {}) }),
    parseLine(text: string): ParsedLine {
      const json = parseJsonObject(text);
      if (!json.ok) return json.rejection;
      const env = envelopeSchema.safeParse(json.value);
      if (!env.success) return { kind: 'rejected', reason: 'schema' };
      const { timestamp, type, payload } = env.data;

      if (type === 'session_meta') {
        const meta = sessionMetaSchema.safeParse(payload);
        if (!meta.success) return { kind: 'rejected', reason: 'schema' };
        sessionId = intern(meta.data.id ?? meta.data.session_id ?? sessionId);
        project = internOpt(meta.data.cwd) ?? project;
        branch = internOpt(meta.data.git?.branch) ?? branch;
        return { kind: 'event', event: { kind: 'session-meta', sessionId, project, branch, timestamp } };
      }
      if (type === 'turn_context') {
        const ctx = turnContextSchema.safeParse(payload);
        if (!ctx.success) return { kind: 'rejected', reason: 'schema' };
        model = internOpt(ctx.data.model) ?? model;
        project = internOpt(ctx.data.cwd) ?? project;
        return { kind: 'skip' };
      }
      if (type === 'token_usage_record') {
        const rec = usageRecordSchema.safeParse(payload);
        if (!rec.success) return { kind: 'rejected', reason: 'schema' };
        const running = rec.data.thread_token_usage?.total_tokens;
        // Same key as the matching token_count line (the thread's running total), so the pair counts once.
        const key =
          running != null ? `codex:${sessionId}:${running}` : `codex:${rec.data.response_id ?? `${sessionId}:${timestamp}`}`;
        return usage(timestamp, rec.data.usage, key);
      }
      if (type === 'response_item' && payload['type'] === 'function_call') {
        const call = functionCallSchema.safeParse(payload);
        if (!call.success) return { kind: 'rejected', reason: 'schema' };
        const command = commandOf(call.data.arguments);
        pendingCalls.push({
          toolId: textHash(call.data.call_id),
          name: intern(call.data.name),
          fingerprint: textHash(call.data.arguments ?? ''),
          target: command === undefined ? 0 : textHash(command) || 1,
        });
        return { kind: 'skip' };
      }
      if (type === 'response_item' && payload['type'] === 'function_call_output') {
        const out = functionCallOutputSchema.safeParse(payload);
        if (!out.success) return { kind: 'rejected', reason: 'schema' };
        const code = typeof out.data.output === 'string' ? EXIT_CODE.exec(out.data.output.slice(0, 512))?.[1] : undefined;
        if (code === undefined || code === '0') return { kind: 'skip' };
        return { kind: 'event', event: { kind: 'tool-error', toolId: textHash(out.data.call_id) } };
      }
      if (type === 'event_msg' && payload['type'] === 'token_count') {
        const tc = tokenCountSchema.safeParse(payload);
        if (!tc.success) return { kind: 'rejected', reason: 'schema' };
        const info = tc.data.info;
        if (info?.model_context_window) contextWindow = info.model_context_window;
        const last = info?.last_token_usage;
        const running = info?.total_token_usage?.total_tokens;
        if (!last || running == null) return { kind: 'skip' }; // rate-limit-only update
        return usage(timestamp, last, `codex:${sessionId}:${running}`);
      }
      return { kind: 'skip' };
    },
  };
}
