// `--db` → a store: `sqlite:PATH` (the default, under the state dir) or a `postgres://` / `postgresql://` URL.
import * as path from 'node:path';
import { PostgresStore } from './postgresStore';
import { SqliteStore } from './sqliteStore';
import type { Store } from './store';

/** The database a `--db` value names, or a problem to report. */
export function parseDbUrl(db: string): { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string } | { problem: string } {
  if (db.startsWith('sqlite:')) {
    const file = db.slice('sqlite:'.length);
    return file ? { kind: 'sqlite', file: path.resolve(file) } : { problem: '--db sqlite:PATH needs a path' };
  }
  if (/^postgres(ql)?:\/\//.test(db)) return { kind: 'postgres', url: db };
  return { problem: `--db ${redactDbUrl(db)}: expected sqlite:PATH or postgres://…` };
}

/** The URL without its password, for logs. */
export function redactDbUrl(db: string): string {
  return db.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

export async function openStore(db: string): Promise<Store> {
  const parsed = parseDbUrl(db);
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.kind === 'sqlite' ? new SqliteStore(parsed.file) : PostgresStore.open(parsed.url);
}
