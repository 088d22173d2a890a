// `agent-meter serve`: the reference team server (src/server) and its token commands. Its own bundle (dist/serve.js,
// loaded by the full CLI only for `serve`), because it carries the database drivers nobody else needs.
//   agent-meter serve [--port N] [--host H] [--db URL] [--time-zone IANA]
//   agent-meter serve token create --team T (--member M | --admin) [--db URL]
//   agent-meter serve token list [--team T] [--db URL]
//   agent-meter serve token revoke ID [--db URL]
// Exit codes as the rest of the CLI: 0 ok, 2 usage error, 1 failure.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { identifierSchema } from '../core/teamProtocol';
import { isValidTimeZone } from '../core/calendar';
import { defaultStateDir } from '../node/stateDir';
import { openStore, parseDbUrl, redactDbUrl } from '../server/openStore';
import type { Store } from '../server/store';
import { startTeamServer } from '../server/teamServer';
import { hashToken, newToken, tokenId } from '../server/tokens';

export const SERVE_HELP = `serve (the team server):
  agent-meter serve [--port N] [--host H] [--db URL] [--time-zone IANA]
    --port N               default 8787 (0: any free port)
    --host H               default 127.0.0.1 (0.0.0.0 to listen on every interface)
    --db URL               sqlite:PATH (default sqlite:$AGENT_METER_HOME/team.db) or postgres://user:pass@host/db
    --time-zone IANA       budget calendar of teams that set none (default UTC)
  agent-meter serve token create --team T (--member M | --admin) [--db URL]
                           prints a new token once (the server keeps only its hash)
  agent-meter serve token list [--team T] [--db URL]
  agent-meter serve token revoke ID [--db URL]`;

class ServeUsageError extends Error {}

function dbOf(value: string | undefined): string {
  const db = value ?? `sqlite:${path.join(defaultStateDir(), 'team.db')}`;
  const parsed = parseDbUrl(db);
  if ('problem' in parsed) throw new ServeUsageError(parsed.problem);
  return db;
}

function identifier(flag: string, value: string | undefined): string {
  if (value === undefined) throw new ServeUsageError(`--${flag} is required`);
  if (!identifierSchema.safeParse(value).success) throw new ServeUsageError(`--${flag} ${JSON.stringify(value)}: 1 to 200 printable characters`);
  return value;
}

async function withStore<T>(db: string, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(db);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function tokenCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { team: { type: 'string' }, member: { type: 'string' }, admin: { type: 'boolean', default: false }, db: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const [action, ...rest] = positionals;
  const db = dbOf(values.db);
  if (action === 'create') {
    const team = identifier('team', values.team);
    if (values.admin === (values.member !== undefined)) throw new ServeUsageError('token create needs exactly one of --member M and --admin');
    const member = values.admin ? null : identifier('member', values.member);
    const secret = newToken();
    const hash = hashToken(secret);
    await withStore(db, (s) => s.addToken(hash, { id: tokenId(hash), team, member, createdAt: new Date().toISOString() }));
    process.stderr.write(`agent-meter: token ${tokenId(hash)} for ${member === null ? 'the admin' : `member ${member}`} of team ${team}; shown once, keep it now\n`);
    process.stdout.write(`${secret}\n`);
    return 0;
  }
  if (action === 'list') {
    const tokens = await withStore(db, (s) => s.listTokens(values.team));
    for (const t of tokens) process.stdout.write(`${t.id}  ${t.team}  ${t.member === null ? '(admin)' : t.member}  ${t.createdAt}\n`);
    return 0;
  }
  if (action === 'revoke') {
    const id = rest[0];
    if (!id || !/^[0-9a-f]{12}$/.test(id)) throw new ServeUsageError('token revoke ID: the 12-digit id that token list shows');
    if (!(await withStore(db, (s) => s.revokeToken(id)))) {
      process.stderr.write(`agent-meter: no token ${id}\n`);
      return 1;
    }
    process.stderr.write(`agent-meter: token ${id} revoked\n`);
    return 0;
  }
  throw new ServeUsageError('serve token: create, list or revoke');
}

async function runServer(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8787' },
      host: { type: 'string', default: '127.0.0.1' },
      db: { type: 'string' },
      'time-zone': { type: 'string' },
      timezone: { type: 'string' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new ServeUsageError(`--port ${values.port}: expected 0 to 65535`);
  const timeZone = values['time-zone'] ?? values.timezone ?? 'UTC';
  if (!isValidTimeZone(timeZone)) throw new ServeUsageError(`--time-zone ${timeZone}: not an IANA time zone`);
  const db = dbOf(values.db);
  const store = await openStore(db);
  let server;
  try {
    server = await startTeamServer({ store, port, host: values.host, defaultTimeZone: timeZone });
  } catch (err) {
    await store.close();
    throw err;
  }
  process.stderr.write(`agent-meter serve: listening on ${server.url} (db ${redactDbUrl(db)}, default time zone ${timeZone})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stderr.write('agent-meter serve: stopping (finishing requests in flight)\n');
  await server.close();
  await store.close();
  return 0;
}

/** `agent-meter serve …`; returns the exit code (errors are reported here: this bundle has its own classes). */
export async function serveCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${SERVE_HELP}\n`);
    return 0;
  }
  try {
    return argv[0] === 'token' ? await tokenCommand(argv.slice(1)) : await runServer(argv);
  } catch (err) {
    const usage = err instanceof ServeUsageError || (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'));
    process.stderr.write(`agent-meter: ${err instanceof Error ? err.message : String(err)}\n`);
    return usage ? 2 : 1;
  }
}
