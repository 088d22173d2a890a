export interface ServeProcess {
  url: string;
  /** A bearer token: `['--member', NAME]` or `['--admin']`. */
  token(team: string, who: string[]): string;
  stop(): void;
}
export function startServe(db: string, options?: { timeZone?: string }): Promise<ServeProcess>;
