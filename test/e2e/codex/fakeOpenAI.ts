// A fake OpenAI Responses API for driving the real Codex CLI in end-to-end tests.
//
// The CLI under test is unmodified; everything it knows about tokens comes from what this server streams. The
// server therefore keeps the "served truth" (every successful response id, the model the CLI asked for, the usage
// we sent) so a test can compare Agent Meter's report against what was actually billed, independent of the logs.
//
// Each POST /v1/responses consumes the next scripted step: either a failed attempt (HTTP error status, optional
// `retry-after`) or a streamed response made of reasoning / message / function-call items plus a usage block.
// Anything else the CLI asks for (model metadata, websocket upgrades, telemetry) gets a quick 404 so nothing waits.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Usage as the Responses API reports it, in our own words. `input` includes `cached`; `output` includes `reasoning`. */
export interface ServedUsage {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

/** One output item of a scripted response. A function call names a shell command; the tool name is filled in from the request. */
export type ScriptedItem =
  | { type: 'reasoning'; summary: string }
  | { type: 'message'; text: string }
  | { type: 'functionCall'; command: string };

export type ScriptedStep =
  | { kind: 'error'; status: number; retryAfterSeconds?: number }
  | { kind: 'response'; items: ScriptedItem[]; usage: ServedUsage };

/** A response the server completed successfully: this is what the provider would bill. */
export interface ServedResponse {
  responseId: string;
  /** The `model` field of the request body, i.e. what the CLI asked for. */
  model: string;
  /** The request's `prompt_cache_key`, which Codex sets to the thread (session) id. */
  threadId: string;
  usage: ServedUsage;
  /** `call_id`s of the function calls in this response, to check the CLI sent their outputs back. */
  callIds: string[];
}

/** Every POST /v1/responses, successful or not, in arrival order. */
export interface Attempt {
  status: number;
  model: string;
  responseId?: string;
  /** True when the script was exhausted and the server answered with its fallback error. */
  unscripted: boolean;
}

/** A tool result the CLI sent back in a later request (`function_call_output` input item). */
export interface ToolOutput {
  callId: string;
  output: string;
}

export interface FakeOpenAI {
  /** `http://127.0.0.1:PORT/v1`, for the provider's `base_url`. */
  readonly baseUrl: string;
  /** Append steps to the script; requests consume them in order. */
  enqueue(...steps: ScriptedStep[]): void;
  /** Steps not consumed yet. */
  pending(): number;
  /** Drop unconsumed steps (after a scenario that fails on purpose). */
  clearScript(): void;
  readonly served: ServedResponse[];
  readonly attempts: Attempt[];
  readonly toolOutputs: ToolOutput[];
  /** Tool names the CLI advertised in its last request (`tools[].name`). */
  advertisedTools(): string[];
  /** Parsed bodies of every POST /v1/responses, for debugging a failing scenario. */
  readonly requestBodies: unknown[];
  /** Method and path of every request answered 404. */
  readonly notFound: string[];
  close(): Promise<void>;
}

/** A client that stalls mid-body must not hold a test open. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Request bodies carry the whole conversation; anything beyond this is a runaway, not a request. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const script: ScriptedStep[] = [];
  const served: ServedResponse[] = [];
  const attempts: Attempt[] = [];
  const toolOutputs: ToolOutput[] = [];
  const requestBodies: unknown[] = [];
  const notFound: string[] = [];
  let lastTools: string[] = [];

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
      }
      res.end(JSON.stringify({ error: { message: String(err), type: 'fake_server_error' } }));
    });
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = 1_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'POST' || path !== '/v1/responses') {
      notFound.push(`${req.method ?? '?'} ${req.url ?? '/'}`);
      req.resume();
      res.writeHead(404, { 'content-type': 'application/json', connection: 'close' });
      res.end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
      return;
    }
    const body = parseBody(await readBody(req));
    requestBodies.push(body);
    const model = typeof body.model === 'string' ? body.model : '';
    const threadId = typeof body.prompt_cache_key === 'string' ? body.prompt_cache_key : '';
    lastTools = toolNames(body.tools);
    for (const output of functionCallOutputs(body.input)) {
      if (!toolOutputs.some((o) => o.callId === output.callId)) toolOutputs.push(output);
    }

    const step = script.shift();
    if (step === undefined) {
      // An exhausted script is a test bug (or an unexpected extra request); fail it loudly but quickly.
      attempts.push({ status: 500, model, unscripted: true });
      sendError(res, 500);
      return;
    }
    if (step.kind === 'error') {
      attempts.push({ status: step.status, model, unscripted: false });
      sendError(res, step.status, step.retryAfterSeconds);
      return;
    }
    const responseId = `resp_${randomBytes(12).toString('hex')}`;
    const callIds = streamResponse(res, responseId, model, step, pickShellTool(lastTools));
    attempts.push({ status: 200, model, responseId, unscripted: false });
    served.push({ responseId, model, threadId, usage: { ...step.usage }, callIds });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    enqueue: (...steps) => {
      script.push(...steps);
    },
    pending: () => script.length,
    clearScript: () => {
      script.length = 0;
    },
    served,
    attempts,
    toolOutputs,
    advertisedTools: () => [...lastTools],
    requestBodies,
    notFound,
    close: () =>
      new Promise<void>((resolve) => {
        // Keep-alive sockets from the CLI would otherwise keep close() pending.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : {};
  } catch {
    return {};
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools.flatMap((tool) => (isRecord(tool) && typeof tool.name === 'string' ? [tool.name] : []));
}

function functionCallOutputs(input: unknown): ToolOutput[] {
  if (!Array.isArray(input)) return [];
  return input.flatMap((item) => {
    if (!isRecord(item) || item.type !== 'function_call_output' || typeof item.call_id !== 'string') return [];
    return [{ callId: item.call_id, output: outputText(item.output) }];
  });
}

/** `output` is a string in most versions, a list of content parts in some. */
function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) {
    return output.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
  }
  return JSON.stringify(output ?? null);
}

/** The shell tool's name and argument shape changed across Codex versions; follow what the request advertises. */
interface ShellTool {
  name: string;
  args(command: string): Record<string, unknown>;
}

function pickShellTool(advertised: string[]): ShellTool {
  if (advertised.includes('exec_command') || advertised.length === 0) {
    return { name: 'exec_command', args: (command) => ({ cmd: command }) };
  }
  if (advertised.includes('shell_command')) {
    return { name: 'shell_command', args: (command) => ({ command }) };
  }
  return { name: 'shell', args: (command) => ({ command: ['bash', '-lc', command] }) };
}

function sendError(res: ServerResponse, status: number, retryAfterSeconds?: number): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  const type = status === 429 ? 'rate_limit_exceeded' : 'server_error';
  res.writeHead(status, headers);
  res.end(JSON.stringify({ error: { message: `fake ${status}`, type, code: type } }));
}

/** Streams one response as server-sent events, in the order the real API emits them. Returns the function-call ids. */
function streamResponse(
  res: ServerResponse,
  responseId: string,
  model: string,
  step: Extract<ScriptedStep, { kind: 'response' }>,
  shell: ShellTool,
): string[] {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    'x-request-id': `req_${randomBytes(8).toString('hex')}`,
  });
  let sequence = 0;
  const send = (type: string, fields: Record<string, unknown>): void => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`);
  };
  const createdAt = Math.floor(Date.now() / 1000);
  const shell0 = { id: responseId, object: 'response', created_at: createdAt, model };
  send('response.created', { response: { ...shell0, status: 'in_progress', output: [] } });
  send('response.in_progress', { response: { ...shell0, status: 'in_progress', output: [] } });

  const output: Record<string, unknown>[] = [];
  const callIds: string[] = [];
  step.items.forEach((item, outputIndex) => {
    const done = streamItem(send, item, outputIndex, shell);
    if (done.type === 'function_call' && typeof done.call_id === 'string') callIds.push(done.call_id);
    output.push(done);
  });

  const { input, cached, output: outputTokens, reasoning } = step.usage;
  send('response.completed', {
    response: {
      ...shell0,
      status: 'completed',
      output,
      usage: {
        input_tokens: input,
        input_tokens_details: { cached_tokens: cached },
        output_tokens: outputTokens,
        output_tokens_details: { reasoning_tokens: reasoning },
        total_tokens: input + outputTokens,
      },
    },
  });
  res.end();
  return callIds;
}

type SendEvent = (type: string, fields: Record<string, unknown>) => void;

function streamItem(send: SendEvent, item: ScriptedItem, outputIndex: number, shell: ShellTool): Record<string, unknown> {
  const hex = randomBytes(8).toString('hex');
  switch (item.type) {
    case 'reasoning': {
      const id = `rs_${hex}`;
      send('response.output_item.added', { output_index: outputIndex, item: { id, type: 'reasoning', summary: [] } });
      send('response.reasoning_summary_part.added', {
        item_id: id,
        output_index: outputIndex,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      });
      send('response.reasoning_summary_text.delta', {
        item_id: id,
        output_index: outputIndex,
        summary_index: 0,
        delta: item.summary,
      });
      send('response.reasoning_summary_text.done', {
        item_id: id,
        output_index: outputIndex,
        summary_index: 0,
        text: item.summary,
      });
      send('response.reasoning_summary_part.done', {
        item_id: id,
        output_index: outputIndex,
        summary_index: 0,
        part: { type: 'summary_text', text: item.summary },
      });
      const done = {
        id,
        type: 'reasoning',
        summary: [{ type: 'summary_text', text: item.summary }],
        // Opaque to the client; the CLI sends it back verbatim on the next request.
        encrypted_content: randomBytes(24).toString('base64'),
      };
      send('response.output_item.done', { output_index: outputIndex, item: done });
      return done;
    }
    case 'message': {
      const id = `msg_${hex}`;
      const base = { id, type: 'message', role: 'assistant' };
      send('response.output_item.added', { output_index: outputIndex, item: { ...base, status: 'in_progress', content: [] } });
      const partEvent = { item_id: id, output_index: outputIndex, content_index: 0 };
      send('response.content_part.added', { ...partEvent, part: { type: 'output_text', text: '', annotations: [] } });
      // Two deltas, as a real stream splits text; the CLI must join them.
      const half = Math.ceil(item.text.length / 2);
      send('response.output_text.delta', { ...partEvent, delta: item.text.slice(0, half) });
      send('response.output_text.delta', { ...partEvent, delta: item.text.slice(half) });
      send('response.output_text.done', { ...partEvent, text: item.text });
      const part = { type: 'output_text', text: item.text, annotations: [] };
      send('response.content_part.done', { ...partEvent, part });
      const done = { ...base, status: 'completed', content: [part] };
      send('response.output_item.done', { output_index: outputIndex, item: done });
      return done;
    }
    case 'functionCall': {
      const id = `fc_${hex}`;
      const callId = `call_${randomBytes(8).toString('hex')}`;
      const args = JSON.stringify(shell.args(item.command));
      const base = { id, type: 'function_call', name: shell.name, call_id: callId };
      send('response.output_item.added', { output_index: outputIndex, item: { ...base, status: 'in_progress', arguments: '' } });
      send('response.function_call_arguments.delta', { item_id: id, output_index: outputIndex, delta: args });
      send('response.function_call_arguments.done', { item_id: id, output_index: outputIndex, arguments: args });
      const done = { ...base, status: 'completed', arguments: args };
      send('response.output_item.done', { output_index: outputIndex, item: done });
      return done;
    }
  }
}
