// A fake Anthropic Messages API for driving the real Claude Code CLI in tests.
//
// The CLI only needs `POST /v1/messages?beta=true` answered as an SSE stream shaped like the real API, plus a
// `HEAD /` connectivity probe. Every attempt is decided by a scenario handler (an error attempt or a response), and
// everything served is recorded as the "served truth" the log reader is later checked against: the CLI's logs are
// what we parse, the server's record is what actually happened on the wire.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Token counts in the report's vocabulary; `input` is the uncached part only. */
export interface TokenUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string }
  | { type: 'tool_use'; name: string; input: Record<string, unknown>; id?: string };

/** A successful response, streamed as message_start … message_stop. */
export interface MessageReply {
  kind: 'message';
  /** The model the API claims to be; defaults to a dated id for the requested model. */
  model?: string;
  blocks: ContentBlock[];
  usage: Partial<TokenUsage> & { input: number; output: number };
  stopReason?: 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence';
  /** Pause between content blocks; only for scenarios about streaming timing (bursts are the default). */
  gapMs?: number;
  /** Whether the CLI is expected to write this response into the JSONL (false for /compact, title requests). */
  expectLogged?: boolean;
  /** Short name for reports and failure messages. */
  label?: string;
}

/** A failed attempt: an HTTP error with the real API's JSON error body. */
export interface ErrorReply {
  kind: 'error';
  status: 429 | 500 | 529 | 400;
  retryAfterSec?: number;
  label?: string;
}

export type Reply = MessageReply | ErrorReply;

/** What a handler gets to route on: the parsed request plus the bits scenarios look at most. */
export interface ApiRequest {
  seq: number;
  path: string;
  requestedModel: string;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  /** Text blocks of the first user message (the prompt, preceded by system reminders). */
  firstUserText: string;
  /** Text blocks of the last user message. */
  lastUserText: string;
  /** tool_result blocks of the last user message, content flattened to text. */
  toolResults: { toolUseId: string; text: string; isError: boolean }[];
  systemText: string;
  messageCount: number;
  /** The /compact summarisation request ("CRITICAL: Respond with TEXT ONLY…"). */
  isCompact: boolean;
}

export type Handler = (req: ApiRequest) => Reply | Promise<Reply>;

export interface ServedResponse {
  seq: number;
  requestId: string;
  messageId: string;
  requestedModel: string;
  model: string;
  usage: TokenUsage;
  stopReason: string;
  expectLogged: boolean;
  label: string;
  toolUseIds: string[];
}

export interface ServedError {
  seq: number;
  requestId: string;
  requestedModel: string;
  status: number;
  label: string;
}

export interface ServedTruth {
  responses: ServedResponse[];
  errors: ServedError[];
  /** Requests that were not POST /v1/messages (the HEAD / probe and anything unexpected). */
  otherRequests: { method: string; path: string }[];
  /** Requests no scenario route claimed; a non-empty list means the CLI did something the notes don't describe. */
  unexpected: { seq: number; requestedModel: string; lastUserText: string }[];
}

export interface FakeAnthropic {
  port: number;
  baseUrl: string;
  truth: ServedTruth;
  /** Swaps the handler between CLI runs of one scenario. */
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

/** Dated ids the real API answers with, so logs carry the same `message.model` a real session would. */
const datedModelIds: Record<string, string> = {
  'claude-sonnet-4-5': 'claude-sonnet-4-5-20250929',
  'claude-haiku-4-5': 'claude-haiku-4-5-20251001',
  'claude-opus-4-5': 'claude-opus-4-5-20251101',
  'claude-opus-4-1': 'claude-opus-4-1-20250805',
};

export function datedModelId(requested: string): string {
  return datedModelIds[requested] ?? requested;
}

const base62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Ids shaped like the real ones (`msg_01…`, `req_01…`, `toolu_01…`: 24 base62 characters). */
export function fakeId(prefix: 'msg' | 'req' | 'toolu'): string {
  const bytes = randomBytes(22);
  let tail = '';
  for (const b of bytes) tail += base62[b % base62.length];
  return `${prefix}_01${tail}`;
}

function fullUsage(u: MessageReply['usage']): TokenUsage {
  return {
    input: u.input,
    output: u.output,
    cacheRead: u.cacheRead ?? 0,
    cacheWrite5m: u.cacheWrite5m ?? 0,
    cacheWrite1h: u.cacheWrite1h ?? 0,
  };
}

/** The API's usage object as it appears in `message_start` (output_tokens is a placeholder there). */
function apiUsage(u: TokenUsage, outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: u.input,
    cache_creation_input_tokens: u.cacheWrite5m + u.cacheWrite1h,
    cache_read_input_tokens: u.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: u.cacheWrite5m, ephemeral_1h_input_tokens: u.cacheWrite1h },
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block: unknown) => {
      if (block && typeof block === 'object' && (block as { type?: unknown }).type === 'text') {
        const text = (block as { text?: unknown }).text;
        return typeof text === 'string' ? text : '';
      }
      return '';
    })
    .join('\n');
}

function describeRequest(seq: number, path: string, body: Record<string, unknown>, headers: IncomingMessage['headers']): ApiRequest {
  const messages = Array.isArray(body.messages) ? (body.messages as { role?: string; content?: unknown }[]) : [];
  const userMessages = messages.filter((m) => m.role === 'user');
  const first = userMessages[0];
  const last = userMessages[userMessages.length - 1];
  const toolResults: ApiRequest['toolResults'] = [];
  if (last && Array.isArray(last.content)) {
    for (const block of last.content as Record<string, unknown>[]) {
      if (block.type !== 'tool_result') continue;
      const content = block.content;
      toolResults.push({
        toolUseId: String(block.tool_use_id),
        text: typeof content === 'string' ? content : textOf(content),
        isError: block.is_error === true,
      });
    }
  }
  const lastUserText = textOf(last?.content);
  return {
    seq,
    path,
    requestedModel: typeof body.model === 'string' ? body.model : '',
    body,
    headers,
    firstUserText: textOf(first?.content),
    lastUserText,
    toolResults,
    systemText: textOf(body.system),
    messageCount: messages.length,
    isCompact: lastUserText.includes('CRITICAL: Respond with TEXT ONLY'),
  };
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Builds one response's SSE events, grouped per content block so a scenario can pause between blocks. */
function streamChunks(reply: MessageReply, served: ServedResponse, blockIds: (string | undefined)[]): string[] {
  const chunks: string[] = [];
  chunks.push(
    sse('message_start', {
      type: 'message_start',
      message: {
        id: served.messageId,
        type: 'message',
        role: 'assistant',
        model: served.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: apiUsage(served.usage, 1),
      },
    }) + sse('ping', { type: 'ping' }),
  );
  reply.blocks.forEach((block, index) => {
    let events = '';
    if (block.type === 'text') {
      events += sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      events += sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
    } else if (block.type === 'thinking') {
      events += sse('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      });
      events += sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: block.thinking } });
      events += sse('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'signature_delta', signature: randomBytes(48).toString('base64') },
      });
    } else {
      events += sse('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: blockIds[index], name: block.name, input: {} },
      });
      events += sse('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
      });
    }
    events += sse('content_block_stop', { type: 'content_block_stop', index });
    chunks.push(events);
  });
  // The final usage travels in message_delta, as with the real API (the CLI logs what it holds after this event).
  const u = served.usage;
  chunks.push(
    sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: served.stopReason, stop_sequence: null },
      usage: {
        input_tokens: u.input,
        cache_creation_input_tokens: u.cacheWrite5m + u.cacheWrite1h,
        cache_read_input_tokens: u.cacheRead,
        output_tokens: u.output,
        server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
      },
    }) + sse('message_stop', { type: 'message_stop' }),
  );
  return chunks;
}

const errorBodies: Record<ErrorReply['status'], { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request' },
  429: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' },
  500: { type: 'api_error', message: 'Internal server error' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts the fake API on 127.0.0.1 with an ephemeral port. */
export async function startFakeAnthropic(initial: Handler): Promise<FakeAnthropic> {
  let handler = initial;
  let seq = 0;
  const truth: ServedTruth = { responses: [], errors: [], otherRequests: [], unexpected: [] };

  async function onMessages(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      // Left empty: the handler still sees the request and the test sees an empty model.
    }
    seq += 1;
    const request = describeRequest(seq, path, body, req.headers);
    const reply = await handler(request);
    const requestId = fakeId('req');

    if (reply.kind === 'error') {
      truth.errors.push({
        seq,
        requestId,
        requestedModel: request.requestedModel,
        status: reply.status,
        label: reply.label ?? `error ${reply.status}`,
      });
      const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': requestId };
      if (reply.retryAfterSec !== undefined) headers['retry-after'] = String(reply.retryAfterSec);
      res.writeHead(reply.status, headers);
      res.end(JSON.stringify({ type: 'error', error: errorBodies[reply.status], request_id: requestId }));
      return;
    }

    const blockIds = reply.blocks.map((b) => (b.type === 'tool_use' ? (b.id ?? fakeId('toolu')) : undefined));
    const served: ServedResponse = {
      seq,
      requestId,
      messageId: fakeId('msg'),
      requestedModel: request.requestedModel,
      model: reply.model ?? datedModelId(request.requestedModel),
      usage: fullUsage(reply.usage),
      stopReason: reply.stopReason ?? (reply.blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn'),
      expectLogged: reply.expectLogged ?? true,
      label: reply.label ?? `#${seq}`,
      toolUseIds: blockIds.filter((id): id is string => id !== undefined),
    };
    truth.responses.push(served);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'request-id': requestId,
    });
    const chunks = streamChunks(reply, served, blockIds);
    if (!reply.gapMs) {
      res.end(chunks.join(''));
      return;
    }
    for (const chunk of chunks) {
      res.write(chunk);
      await sleep(reply.gapMs);
    }
    res.end();
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname === '/v1/messages') {
      onMessages(req, res, url.pathname + url.search).catch((err: unknown) => {
        // A handler bug must surface as a failed request, not a hung CLI.
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'api_error', message: String(err) } }));
      });
      return;
    }
    truth.otherRequests.push({ method: req.method ?? '?', path: url.pathname });
    req.resume();
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: 'Not found' } }));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    truth,
    setHandler(next) {
      handler = next;
    },
    close() {
      return new Promise((resolve) => {
        // Keep-alive sockets from the CLI would otherwise keep close() waiting.
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** One route of a scripted handler: requests it matches consume its replies in order. */
export interface Route {
  name: string;
  match: (req: ApiRequest) => boolean;
  replies: (Reply | ((req: ApiRequest) => Reply))[];
}

/**
 * A handler from ordered routes. The first route that matches and still has replies answers. A request nobody
 * claims is recorded as unexpected and answered with a short text so the CLI finishes instead of hanging.
 */
export function scriptedHandler(routes: Route[], truth: () => ServedTruth): Handler {
  const cursors = new Map<Route, number>();
  return (req) => {
    for (const route of routes) {
      const at = cursors.get(route) ?? 0;
      if (at >= route.replies.length || !route.match(req)) continue;
      cursors.set(route, at + 1);
      const next = route.replies[at]!;
      const reply = typeof next === 'function' ? next(req) : next;
      return { ...reply, label: reply.label ?? `${route.name}[${at}]` };
    }
    truth().unexpected.push({ seq: req.seq, requestedModel: req.requestedModel, lastUserText: req.lastUserText.slice(0, 200) });
    return { kind: 'message', blocks: [{ type: 'text', text: 'Unscripted request.' }], usage: { input: 10, output: 5 }, label: 'unexpected' };
  };
}
