// The team server's HTTP plumbing: bounded body reading (with gzip), JSON answers, errors as values with a status,
// and zod validation that names the first problem. Nothing here logs a body.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type * as z from 'zod';

const gunzip = promisify(zlib.gunzip);

/** An answer other than 2xx: `{ error: { code, message } }` with this status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface BodyLimits {
  /** Bytes on the wire. */
  maxBytes: number;
  /** Bytes after gunzip (a small gzip body can inflate a thousandfold). */
  maxInflatedBytes: number;
}

/**
 * The request body, at most `maxBytes` of it: a larger declared length is refused before reading, a longer stream
 * as soon as it passes the limit (reading stops; the answer closes the connection).
 */
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip') {
    return Promise.reject(new ApiError(415, 'unsupported_encoding', `Content-Encoding ${encoding} is not supported (identity or gzip)`));
  }
  const tooLarge = () => new ApiError(413, 'too_large', `the body is larger than ${limits.maxBytes} bytes`, { connection: 'close' });
  if (Number(req.headers['content-length']) > limits.maxBytes) return Promise.reject(tooLarge());
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('error', reject);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    // A client that goes away mid-body: nothing to answer, but the handler must not wait forever.
    req.once('close', () => (req.complete ? undefined : reject(new ApiError(400, 'aborted', 'the request was aborted'))));
  }).then(async (raw) => {
    if (encoding !== 'gzip') return raw;
    try {
      return await gunzip(raw, { maxOutputLength: limits.maxInflatedBytes });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ApiError(413, 'too_large', `the body inflates to more than ${limits.maxInflatedBytes} bytes`);
      }
      throw new ApiError(400, 'bad_gzip', 'the body is not valid gzip');
    }
  });
}

/** JSON.parse of a body, or a 400. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError(400, 'bad_json', 'the body is not valid JSON');
  }
}

/** The value as the schema's type, or a 400 naming the first issue ("rows.3.day: a day as YYYY-MM-DD"). */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  throw new ApiError(400, 'invalid', `${where}${issue?.message ?? 'invalid'}`);
}

const COMMON_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
}

export function sendText(res: ServerResponse, contentType: string, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(200, { ...COMMON_HEADERS, 'content-type': contentType, 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}
