// Calendar days in the user's time zone: budgets, daily totals and the statusline's "today" all use these.

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Universal', 'Etc/Zulu', 'Zulu']);

/**
 * Calendar day of an instant in this machine's own time zone, from Date's local fields (the C library's zone
 * data: no Intl, whose first use costs ~15 ms — a lot for a statusline).
 */
export function systemLocalDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Calendar day of an ISO instant in a time zone, as YYYY-MM-DD. */
export function localDate(iso: string, timeZone: string): string {
  if (UTC_ZONES.has(timeZone)) return iso.slice(0, 10);
  let f = dayFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(timeZone, f);
  }
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso.slice(0, 10) : f.format(d);
}

/** True when `timeZone` is a zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
