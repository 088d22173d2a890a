// A real HTTP server on 127.0.0.1 that records every request and answers as a test tells it, for the OTLP exporter
// tests: status, headers and body per request, or no answer at all (to test timeouts). Closing it also cuts the
// connections it holds open, so no test waits on a hung socket.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface CapturedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The body as sent, un-gzipped when Content-Encoding says gzip. */
  body: Buffer;
}

export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface CaptureServer {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  requests: CapturedRequest[];
  /** What the next requests get (default 200 `{}`). */
  answer: (request: CapturedRequest) => Answer;
  close(): Promise<void>;
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const capture: CaptureServer = {
    url: '',
    requests: [],
    answer: () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{}' }),
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const request: CapturedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      capture.requests.push(request);
      const answer = capture.answer(request);
      if (answer === 'hang') return;
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  capture.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  capture.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return capture;
}
