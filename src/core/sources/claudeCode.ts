// Claude Code transcript lines (notes/claude-code-logs.md). Usage appears only on `assistant` lines, one line per
// content block with identical usage, so the dedup key is `message.id:requestId`. `<synthetic>` lines are never
// billed (API errors, "No response requested."). Subagent lines carry the parent sessionId and their agentId.
// The zod schemas below are the contract; a hand-written check that accepts a subset of what they accept keeps
// zod off the hot path (a test fuzzes the two against each other), and zod names the reason when a line fails.
import * as z from 'zod';
import { zeroTokens, type ParsedLine, type SessionEvent, type TokenCounts, type UsageRecord } from '../usageRecord';
import {
  intern,
  internOpt,
  isCount,
  isObject,
  isOptBool,
  isOptCount,
  isOptObject,
  isOptString,
  parseJsonObject,
  bytesHash,
  jsonStringEnd,
  type FileParser,
  type SearchableBytes,
} from './jsonl';

const count = z.number().int().nonnegative();

/** The `message.usage` object; unknown (future) fields are ignored. Checked against the SDK in claudeUsageCheck.ts. */
export const claudeUsageSchema = z.object({
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count.nullish(),
  cache_read_input_tokens: count.nullish(),
  cache_creation: z
    .object({ ephemeral_5m_input_tokens: count.nullish(), ephemeral_1h_input_tokens: count.nullish() })
    .nullish(),
  server_tool_use: z.object({ web_search_requests: count.nullish(), web_fetch_requests: count.nullish() }).nullish(),
  service_tier: z.string().nullish(),
  speed: z.string().nullish(),
  inference_geo: z.string().nullish(),
});
export type ClaudeUsage = z.infer<typeof claudeUsageSchema>;

export const assistantLineSchema = z.object({
  type: z.literal('assistant'),
  sessionId: z.string().min(1),
  timestamp: z.string().min(10),
  requestId: z.string().nullish(),
  uuid: z.string().nullish(),
  isSidechain: z.boolean().nullish(),
  agentId: z.string().nullish(),
  cwd: z.string().nullish(),
  gitBranch: z.string().nullish(),
  isApiErrorMessage: z.boolean().nullish(),
  apiErrorStatus: z.number().nullish(),
  error: z.string().nullish(),
  message: z.object({
    id: z.string().min(1),
    model: z.string().min(1),
    stop_reason: z.string().nullish(),
    usage: claudeUsageSchema,
  }),
});
type AssistantLine = z.infer<typeof assistantLineSchema>;

const compactBoundarySchema = z.object({
  type: z.literal('system'),
  subtype: z.literal('compact_boundary'),
  sessionId: z.string().min(1),
  timestamp: z.string().min(10),
  uuid: z.string().nullish(),
  compactMetadata: z
    .object({ trigger: z.string().nullish(), preTokens: count.nullish(), postTokens: count.nullish() })
    .nullish(),
});

/** The hot-path equivalent of `claudeUsageSchema.safeParse(u).success`. */
function isClaudeUsage(u: unknown): u is ClaudeUsage {
  if (!isObject(u)) return false;
  if (!isCount(u['input_tokens']) || !isCount(u['output_tokens'])) return false;
  if (!isOptCount(u['cache_creation_input_tokens']) || !isOptCount(u['cache_read_input_tokens'])) return false;
  const cc = u['cache_creation'];
  if (!isOptObject(cc)) return false;
  if (isObject(cc) && (!isOptCount(cc['ephemeral_5m_input_tokens']) || !isOptCount(cc['ephemeral_1h_input_tokens']))) return false;
  const st = u['server_tool_use'];
  if (!isOptObject(st)) return false;
  if (isObject(st) && (!isOptCount(st['web_search_requests']) || !isOptCount(st['web_fetch_requests']))) return false;
  return isOptString(u['service_tier']) && isOptString(u['speed']) && isOptString(u['inference_geo']);
}

/** The hot-path equivalent of `assistantLineSchema.safeParse(o).success`. */
export function isAssistantLine(o: Record<string, unknown>): o is AssistantLine {
  if (o['type'] !== 'assistant') return false;
  const sid = o['sessionId'];
  const ts = o['timestamp'];
  if (typeof sid !== 'string' || sid.length < 1 || typeof ts !== 'string' || ts.length < 10) return false;
  for (const k of ['requestId', 'uuid', 'agentId', 'cwd', 'gitBranch', 'error']) if (!isOptString(o[k])) return false;
  if (!isOptBool(o['isSidechain']) || !isOptBool(o['isApiErrorMessage'])) return false;
  const status = o['apiErrorStatus'];
  if (status !== undefined && status !== null && typeof status !== 'number') return false;
  const m = o['message'];
  if (!isObject(m)) return false;
  const id = m['id'];
  const model = m['model'];
  if (typeof id !== 'string' || id.length < 1 || typeof model !== 'string' || model.length < 1) return false;
  return isOptString(m['stop_reason']) && isClaudeUsage(m['usage']);
}

/** Splits Anthropic usage into our token types. The 1h share is capped at the total write, as the CLI does. */
export function claudeTokens(u: ClaudeUsage): TokenCounts {
  const t = zeroTokens();
  t.input = u.input_tokens;
  t.output = u.output_tokens;
  t.cacheRead = u.cache_read_input_tokens ?? 0;
  const write = u.cache_creation_input_tokens ?? 0;
  const oneHour = Math.min(u.cache_creation?.ephemeral_1h_input_tokens ?? 0, write);
  t.cacheWrite1h = oneHour;
  t.cacheWrite5m = write - oneHour;
  return t;
}

/**
 * The hidden session-title request (interactive mode only) is billed but not logged; the `ai-title` line shows it
 * happened. Measured once at 456 input / 17 output tokens on claude-haiku-4-5 (notes §8): estimate with that.
 */
const TITLE_ESTIMATE: TokenCounts = { input: 456, output: 17, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
const TITLE_MODEL = 'claude-haiku-4-5';

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const HEAD_PARENT = ascii('{"parentUuid":');
const HEAD_TYPE = ascii('{"type":"');
const KEY_MESSAGE = ascii('"message":');
const KEY_ATTACHMENT = ascii('"attachment":');
const MSG_ID = ascii('{"id":"');
const MSG_USER = ascii('{"role":"user"');
/**
 * A tool result's keys come in two orders (real CLI 2.1.197): `tool_use_id` first for a result that succeeded, and
 * `type` first, `is_error: true`, `tool_use_id` last for one that failed (Bash exit codes, a missing file, an edit
 * refused, a hook's refusal). Only the second order is read; successes, most of a log's bytes, are skipped by head.
 */
const USER_TOOL_ERROR = ascii(',"content":[{"type":"tool_result"');
const TOOL_RESULT_ID = ascii('"tool_use_id":"');
const IS_ERROR = ascii('"is_error":');
const TRUE = ascii('true');
const TOOL_USE = ascii('{"type":"tool_use","id":"');
const TOOL_NAME = ascii('","name":"');
const TOOL_INPUT = ascii('","input":');
/** Where a tool call's target is, by tool: the Bash command, the path of the file an edit tool changes. */
const TARGET_KEYS = new Map<string, Uint8Array>([
  ['Bash', ascii('"command":"')],
  ['Edit', ascii('"file_path":"')],
  ['MultiEdit', ascii('"file_path":"')],
  ['Write', ascii('"file_path":"')],
  ['NotebookEdit', ascii('"notebook_path":"')],
]);
/** `{"type":"…"` line types: the ones that matter, and the ones known to carry nothing billable. */
const TYPE_PARSE = ['queue-operation"', 'ai-title"'].map(ascii);
const TYPE_SKIP = ['last-prompt"', 'mode"', 'permission-mode"', 'file-history-snapshot"'].map(ascii);

function bytesAt(b: Uint8Array, at: number, end: number, word: Uint8Array): boolean {
  if (at < 0 || at + word.length > end) return false;
  for (let i = 0; i < word.length; i++) if (b[at + i] !== word[i]) return false;
  return true;
}

/**
 * Claude Code's line heads (observed in every transcript the real CLI wrote): `{"parentUuid":…` lines hold only
 * scalar values before their first nested object, and the key of that object says what the line is: `message`
 * opening with `"id"` is an API response, with `"role":"user"` a user turn; `attachment` is an attachment.
 * `{"type":"…"` lines name their type first. Anything else is left to the needles.
 */
export function classifyClaudeHead(b: Uint8Array, start: number, end: number): 'parse' | 'skip' | 'tool-result' | undefined {
  if (bytesAt(b, start, end, HEAD_TYPE)) {
    const t = start + HEAD_TYPE.length;
    for (const w of TYPE_PARSE) if (bytesAt(b, t, end, w)) return 'parse';
    for (const w of TYPE_SKIP) if (bytesAt(b, t, end, w)) return 'skip';
    return undefined;
  }
  if (!bytesAt(b, start, end, HEAD_PARENT)) return undefined;
  const brace = b.indexOf(0x7b, start + 1);
  if (brace === -1 || brace >= end) return undefined;
  if (bytesAt(b, brace - KEY_MESSAGE.length, end, KEY_MESSAGE)) {
    if (bytesAt(b, brace, end, MSG_ID)) return 'parse';
    if (bytesAt(b, brace, end, MSG_USER)) return bytesAt(b, brace + MSG_USER.length, end, USER_TOOL_ERROR) ? 'tool-result' : 'skip';
    return undefined;
  }
  if (bytesAt(b, brace - KEY_ATTACHMENT.length, end, KEY_ATTACHMENT)) return 'skip';
  return undefined;
}

export interface ClaudeParserState {
  /** Latest timestamp seen so far in the file: a usage line stamped before it was copied in by a fork. */
  latestSeen?: string;
}

/** `fileSessionId` is the transcript's file name (used for lines that carry no sessionId, like `ai-title`). */
export function createClaudeFileParser(fileSessionId: string, resume: ClaudeParserState = {}): FileParser {
  let latestSeen = resume.latestSeen ?? '';
  return {
    // Every line that can bill carries `"usage"`; compactions are short lines; titles and queue entries are
    // written with `type` first.
    needles: ['"usage"'],
    shortNeedles: ['compact_boundary'],
    prefixes: ['{"type":"queue-operation"', '{"type":"ai-title"'],
    responseShape: {
      id: '"message":{"id":"',
      open: '"content":[',
      close: '],"stop_reason":',
      usage: '"usage":{',
      requestId: '"requestId":"',
      depth: 2,
      lineStart: '{"parentUuid":',
      toolUse: { block: '{"type":"tool_use"', stopReason: '"tool_use"' },
    },
    classifyHead: classifyClaudeHead,
    toolCall: claudeToolCall,
    toolResult: claudeToolError,
    state: () => ({ latestSeen }),
    parseLine(text: string): ParsedLine {
      const json = parseJsonObject(text);
      if (!json.ok) return json.rejection;
      const obj = json.value;
      const stamp = typeof obj['timestamp'] === 'string' ? obj['timestamp'] : '';
      const copied = stamp !== '' && stamp < latestSeen;
      if (stamp > latestSeen) latestSeen = stamp;
      switch (obj['type']) {
        case 'assistant': {
          const parsed = parseAssistant(obj);
          if (copied && parsed.kind === 'usage') parsed.record.copied = true;
          return parsed;
        }
        case 'system':
          return obj['subtype'] === 'compact_boundary' ? parseCompaction(obj) : { kind: 'skip' };
        case 'ai-title': {
          const sessionId = typeof obj['sessionId'] === 'string' ? obj['sessionId'] : fileSessionId;
          if (!stamp) return { kind: 'skip' };
          return {
            kind: 'estimate',
            estimate: { key: `title:${sessionId}`, sessionId: intern(sessionId), timestamp: stamp, model: TITLE_MODEL, reason: 'session-title', tokens: { ...TITLE_ESTIMATE } },
          };
        }
        default:
          return { kind: 'skip' }; // user, attachment, queue-operation, future line types: no usage
      }
    },
  };
}

/**
 * The tool call of a response line whose content is one tool_use block (the CLI logs one line per block):
 * `{"type":"tool_use","id":"toolu_…","name":"Bash","input":{…}}` up to `to`. The record key is built from the
 * line's ids as parseAssistant builds it.
 */
export function claudeToolCall(line: SearchableBytes, from: number, to: number, ids: { responseId: string; requestId: string }): SessionEvent | undefined {
  if (!bytesAt(line, from, to, TOOL_USE)) return undefined;
  const idFrom = from + TOOL_USE.length;
  const idTo = jsonStringEnd(line, idFrom, to);
  if (idTo === -1 || !bytesAt(line, idTo, to, TOOL_NAME)) return undefined;
  const nameFrom = idTo + TOOL_NAME.length;
  const nameTo = jsonStringEnd(line, nameFrom, Math.min(to, nameFrom + 128));
  if (nameTo === -1 || !bytesAt(line, nameTo, to, TOOL_INPUT)) return undefined;
  const inputFrom = nameTo + TOOL_INPUT.length;
  const name = toolName(line, nameFrom, nameTo);
  let target = 0;
  const targetKey = TARGET_KEYS.get(name);
  if (targetKey) {
    // Claude writes the command or path first in the input object (`{"command":"…`); search only otherwise.
    const k = bytesAt(line, inputFrom + 1, to, targetKey) ? inputFrom + 1 : line.indexOf(targetKey, inputFrom);
    const valueTo = k === -1 || k >= to ? -1 : jsonStringEnd(line, k + targetKey.length, to);
    if (valueTo !== -1) target = bytesHash(line, k + targetKey.length, valueTo) || 1;
  }
  const key = ids.requestId ? `${ids.responseId}:${ids.requestId}` : ids.responseId;
  return { kind: 'tool-call', key, toolId: bytesHash(line, idFrom, idTo), name, fingerprint: bytesHash(line, inputFrom, to), target };
}

/** Tool names seen so far, by their bytes' hash: a name is decoded once, not once per call. */
const toolNames = new Map<number, { name: string; bytes: Uint8Array }[]>();

function toolName(b: Uint8Array, from: number, to: number): string {
  const h = bytesHash(b, from, to);
  const known = toolNames.get(h);
  if (known) for (const k of known) if (k.bytes.length === to - from && bytesAt(b, from, to, k.bytes)) return k.name;
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
  // A copy: the reader reuses its buffers (and a Buffer's slice() is a view).
  const entry = { name: intern(s), bytes: Uint8Array.from(b.subarray(from, to)) };
  if (known) known.push(entry);
  else toolNames.set(h, [entry]);
  return entry.name;
}

/**
 * A user line answering a tool call with its keys in the failure order (see USER_TOOL_ERROR): a tool-error event
 * when `is_error` is true. The first occurrence of either key is the key itself: a JSON string cannot hold its raw
 * bytes (quotes inside are escaped).
 */
export function claudeToolError(b: SearchableBytes, start: number, end: number): SessionEvent | undefined {
  const e = b.indexOf(IS_ERROR, start);
  if (e === -1 || e >= end || !bytesAt(b, e + IS_ERROR.length, end, TRUE)) return undefined;
  const a = b.indexOf(TOOL_RESULT_ID, start);
  if (a === -1 || a >= end) return undefined;
  const idFrom = a + TOOL_RESULT_ID.length;
  const idTo = jsonStringEnd(b, idFrom, end);
  if (idTo === -1) return undefined;
  return { kind: 'tool-error', toolId: bytesHash(b, idFrom, idTo) };
}

function parseAssistant(obj: Record<string, unknown>): ParsedLine {
  let line: AssistantLine;
  if (isAssistantLine(obj)) line = obj;
  else {
    const parsed = assistantLineSchema.safeParse(obj);
    if (!parsed.success) return { kind: 'rejected', reason: 'schema' };
    line = parsed.data;
  }
  const m = line.message;
  if (m.model === '<synthetic>') {
    if (!line.isApiErrorMessage) return { kind: 'skip' };
    return {
      kind: 'event',
      event: {
        kind: 'api-error',
        key: `err:${line.uuid ?? m.id}`,
        sessionId: intern(line.sessionId),
        timestamp: line.timestamp,
        status: line.apiErrorStatus ?? undefined,
        error: line.error ?? undefined,
      },
    };
  }
  const record: UsageRecord = {
    agent: 'claude-code',
    key: line.requestId ? `${m.id}:${line.requestId}` : m.id,
    sessionId: intern(line.sessionId),
    agentId: line.isSidechain ? intern(line.agentId ?? 'sidechain') : undefined,
    timestamp: line.timestamp,
    model: intern(m.model),
    project: internOpt(line.cwd),
    branch: internOpt(line.gitBranch),
    tokens: claudeTokens(m.usage),
    webSearchRequests: m.usage.server_tool_use?.web_search_requests ?? 0,
    fast: m.usage.speed === 'fast',
    stopReason: internOpt(m.stop_reason),
  };
  return { kind: 'usage', record };
}

function parseCompaction(obj: Record<string, unknown>): ParsedLine {
  const parsed = compactBoundarySchema.safeParse(obj);
  if (!parsed.success) return { kind: 'rejected', reason: 'schema' };
  const line = parsed.data;
  const key = `compact:${line.uuid ?? `${line.sessionId}:${line.timestamp}`}`;
  const pre = line.compactMetadata?.preTokens ?? undefined;
  const post = line.compactMetadata?.postTokens ?? undefined;
  const sessionId = intern(line.sessionId);
  const event = { kind: 'compaction' as const, key, sessionId, timestamp: line.timestamp, preTokens: pre, postTokens: post };
  if (pre === undefined) return { kind: 'event', event };
  // The summarisation request is billed but not logged (notes §8): estimate it as the whole pre-compaction
  // context sent as input and the post-compaction context as output. An upper bound, labelled as an estimate.
  return {
    kind: 'estimate',
    event,
    estimate: {
      key,
      sessionId,
      timestamp: line.timestamp,
      reason: 'compact-summary',
      tokens: { input: pre, output: post ?? 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 },
    },
  };
}
