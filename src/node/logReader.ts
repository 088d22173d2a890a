// Reads agent log files into the ledger: walks the source roots, streams each file in 1 MiB chunks, splits lines on
// raw bytes, and decodes + parses only lines that look like JSON objects and contain one of the parser's needles
// (the prefilter: most bytes in a transcript are prompts and tool output that cannot carry usage). Bad lines become
// counted rejections; unreadable files and folders are listed; nothing here throws for bad input.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createClaudeFileParser } from '../core/sources/claudeCode';
import { createCodexFileParser } from '../core/sources/codex';
import type { FileParser } from '../core/sources/jsonl';
import type { Ledger, ReadDiagnostics } from '../core/ledger';
import type { AgentKind } from '../core/usageRecord';
import type { SourceRoot } from './sourcePaths';

const CHUNK_BYTES = 1 << 20;
/** Longer lines are skipped (counted) without being buffered: memory stays bounded on a runaway line. */
export const MAX_LINE_BYTES = 64 << 20;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const NEWLINE = 0x0a;

export interface LogFile {
  agent: AgentKind;
  path: string;
}

/** Every `*.jsonl` under the roots, sorted (a stable order makes "first copy seen" deterministic). */
export async function listLogFiles(roots: SourceRoot[], diagnostics: ReadDiagnostics): Promise<LogFile[]> {
  const files: LogFile[] = [];
  async function walk(agent: AgentKind, dir: string): Promise<void> {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true });
    } catch (err) {
      diagnostics.unreadable.push({ path: dir, error: errorCode(err) });
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) await walk(agent, full);
      else if (e.name.endsWith('.jsonl') && (e.isFile() || e.isSymbolicLink())) files.push({ agent, path: full });
    }
  }
  for (const root of roots) await walk(root.agent, root.dir);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return files;
}

/** The parser for a file: session ids come from file names until the lines say otherwise. */
export function parserFor(file: LogFile): FileParser {
  const base = path.basename(file.path, '.jsonl');
  if (file.agent === 'codex') {
    const m = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(base);
    return createCodexFileParser(m?.[1] ?? base);
  }
  // `<session>/subagents/agent-<id>.jsonl` belongs to `<session>`.
  const dir = path.dirname(file.path);
  const session = path.basename(dir) === 'subagents' ? path.basename(path.dirname(dir)) : base;
  return createClaudeFileParser(session);
}

/** Feeds one complete line (bytes [start, end) of buf, no newline) to the parser and the ledger. */
function handleLine(
  buf: Buffer,
  start: number,
  end: number,
  parser: FileParser,
  needles: Buffer[],
  ledger: Ledger,
  unterminated: boolean,
): void {
  // Trim ASCII whitespace (incl. \r of CRLF files) without copying.
  while (start < end && buf[start]! <= 0x20) start++;
  while (end > start && buf[end - 1]! <= 0x20) end--;
  if (start === end) return;
  const diag = ledger.diagnostics;
  diag.lines++;
  if (buf[start] !== OPEN_BRACE) {
    ledger.reject('not-json');
    return;
  }
  if (buf[end - 1] !== CLOSE_BRACE) {
    // An object cut short: still being written (last line, no newline) or truncated by a crash.
    ledger.reject(unterminated ? 'incomplete-line' : 'invalid-json');
    return;
  }
  const line = buf.subarray(start, end);
  let wanted = false;
  for (const n of needles) {
    if (line.indexOf(n) !== -1) {
      wanted = true;
      break;
    }
  }
  if (!wanted) return;
  const text = line.toString('utf8');
  const parsed = parser.parseLine(text);
  if (parsed.kind === 'rejected' && unterminated && parsed.reason === 'invalid-json') {
    ledger.reject('incomplete-line');
    return;
  }
  if (parsed.kind !== 'rejected' && parsed.kind !== 'skip' && text.includes('\uFFFD') && !isValidUtf8(line)) {
    diag.repaired['invalid-utf8'] = (diag.repaired['invalid-utf8'] ?? 0) + 1;
  }
  ledger.add(parsed);
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });
function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    strictDecoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Reads a whole file into the ledger. Returns the bytes read. */
export async function readLogFile(file: LogFile, ledger: Ledger): Promise<number> {
  const parser = parserFor(file);
  const needles = parser.needles.map((n) => Buffer.from(n, 'utf8'));
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file.path, 'r');
  } catch (err) {
    ledger.diagnostics.unreadable.push({ path: file.path, error: errorCode(err) });
    return 0;
  }
  ledger.diagnostics.files++;
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let skippingLongLine = false;
  let total = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      let lineStart = 0;
      for (;;) {
        const nl = chunk.indexOf(NEWLINE, lineStart);
        if (nl === -1 || nl >= bytesRead) break;
        if (skippingLongLine) {
          skippingLongLine = false;
        } else if (carryBytes > 0) {
          if (carryBytes + (nl - lineStart) > MAX_LINE_BYTES) {
            ledger.diagnostics.lines++;
            ledger.reject('line-too-long');
          } else {
            const whole = Buffer.concat([...carry, chunk.subarray(lineStart, nl)]);
            handleLine(whole, 0, whole.length, parser, needles, ledger, false);
          }
        } else {
          handleLine(chunk, lineStart, nl, parser, needles, ledger, false);
        }
        carry = [];
        carryBytes = 0;
        lineStart = nl + 1;
      }
      if (lineStart < bytesRead && !skippingLongLine) {
        carryBytes += bytesRead - lineStart;
        if (carryBytes > MAX_LINE_BYTES) {
          ledger.diagnostics.lines++;
          ledger.reject('line-too-long');
          skippingLongLine = true;
          carry = [];
          carryBytes = 0;
        } else {
          carry.push(Buffer.from(chunk.subarray(lineStart, bytesRead))); // copy: the chunk is reused
        }
      }
    }
    if (carryBytes > 0) {
      const whole = Buffer.concat(carry);
      handleLine(whole, 0, whole.length, parser, needles, ledger, true);
    }
  } catch (err) {
    ledger.diagnostics.unreadable.push({ path: file.path, error: errorCode(err) });
  } finally {
    await handle.close();
  }
  return total;
}

/** Reads every log under the roots into the ledger. */
export async function readAll(roots: SourceRoot[], ledger: Ledger): Promise<void> {
  const files = await listLogFiles(roots, ledger.diagnostics);
  for (const f of files) await readLogFile(f, ledger);
}

function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(err);
}
