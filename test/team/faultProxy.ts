// A real HTTP proxy on 127.0.0.1 in front of the real team server, that misbehaves on request: answers 500 or 429
// (with Retry-After) itself, holds a request longer than the client waits, forwards a request and then drops the
// connection before the answer reaches the client (the server counted it, the client thinks it failed), delivers a
// request twice, or refuses bodies above a size like a reverse proxy's body limit. Faults are queued per request;
// with none queued it forwards faithfully. Everything it saw is recorded (for the privacy check).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'slow'; ms: number }
  | { kind: 'drop-after-forward' }
  | { kind: 'duplicate' }
  | { kind: 'body-limit'; bytes: number };

export interface SeenRequest {
  method: string;
  path: string;
  body: string;
  /** The body as sent (gzip for OTLP), and its Content-Encoding. */
  raw: Buffer;
  encoding: string | undefined;
  /** What the client got: a status, or 'dropped'. */
  outcome: number | 'dropped' | 'held';
}

export class FaultProxy {
  private server: http.Server | undefined;
  private readonly faults: Fault[] = [];
  /** A fault applied to every request until cleared (e.g. a body limit). */
  standing: Fault | undefined;
  readonly seen: SeenRequest[] = [];
  url = '';

  constructor(private target: string) {}

  /** Points the proxy at another server (the team server restarted on another port). */
  retarget(target: string): void {
    this.target = target;
  }

  /** The next requests get these faults, one each, in order. */
  queue(...faults: Fault[]): void {
    this.faults.push(...faults);
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async forward(req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
    const res = await fetch(`${this.target}${req.url ?? '/'}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : body, signal: AbortSignal.timeout(10_000) });
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection' && k !== 'keep-alive') out[k] = v;
    });
    return { status: res.status, headers: out, body: Buffer.from(await res.arrayBuffer()) };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const encoding = typeof req.headers['content-encoding'] === 'string' ? req.headers['content-encoding'] : undefined;
    const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', body: body.toString('utf8'), raw: body, encoding, outcome: 'held' };
    this.seen.push(seen);
    const fault = this.faults.shift() ?? this.standing;
    const answer = (status: number, headers: Record<string, string>, payload: Buffer | string) => {
      seen.outcome = status;
      res.writeHead(status, headers).end(payload);
    };
    try {
      if (fault?.kind === 'status') {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.retryAfter) headers['retry-after'] = fault.retryAfter;
        answer(fault.status, headers, JSON.stringify({ error: { code: 'injected', message: `injected ${fault.status}` } }));
        return;
      }
      if (fault?.kind === 'body-limit' && body.length > fault.bytes) {
        answer(413, { 'content-type': 'text/html' }, '<html>413 Request Entity Too Large</html>');
        return;
      }
      if (fault?.kind === 'slow') {
        // Hold the request past the client's timeout; the server never sees it.
        await new Promise((r) => setTimeout(r, fault.ms));
        if (!res.destroyed) answer(504, {}, '');
        return;
      }
      const forwarded = await this.forward(req, body);
      if (fault?.kind === 'duplicate') await this.forward(req, body);
      if (fault?.kind === 'drop-after-forward') {
        seen.outcome = 'dropped';
        req.socket.destroy();
        return;
      }
      answer(forwarded.status, forwarded.headers, forwarded.body);
    } catch {
      // The server is down (killed): the client sees a dropped connection, as it would without the proxy.
      seen.outcome = 'dropped';
      req.socket.destroy();
    }
  }
}
