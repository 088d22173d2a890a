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

/** True when `timeZone` is a zone this runtime knows. UTC and its aliases need no Intl (see localDate). */
export function isValidTimeZone(timeZone: string): boolean {
  if (UTC_ZONES.has(timeZone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** `date` (YYYY-MM-DD) moved by `days` calendar days. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The Monday of the ISO week that holds `date`. */
export function weekStart(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7));
}

export function monthStart(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

export function daysInMonth(date: string): number {
  const [y, m] = date.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

const clockFormatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes since local midnight of an instant in a time zone (0..1439). */
export function minutesIntoDay(iso: string, timeZone: string): number {
  // UTC needs no Intl (its first use costs ~20 ms of a report).
  if (UTC_ZONES.has(timeZone)) {
    const d = new Date(iso);
    return d.getUTCHours() * 60 + d.getUTCMinutes();
  }
  let f = clockFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clockFormatters.set(timeZone, f);
  }
  const parts = f.formatToParts(new Date(iso));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return get('hour') * 60 + get('minute');
}

/**
 * A memo of localDate for one zone, keyed by the timestamp's quarter hour: every zone's offset is a whole number of
 * quarter hours, so local midnight (and any offset change) falls on a quarter-hour boundary in UTC and every
 * instant of one UTC quarter hour has the same local date. One Intl call per quarter hour instead of one per
 * record (or per minute: ~100 ms on a history of 100,000 requests) when a view walks the whole history.
 */
export function localDateMemo(timeZone: string): (iso: string) => string {
  if (UTC_ZONES.has(timeZone)) return (iso) => iso.slice(0, 10);
  const memo = new Map<string, string>();
  // The last quarter hour asked about: histories come in runs of nearby timestamps.
  let lastHour = '';
  let lastQuarter = -1;
  let lastDay = '';
  return (iso) => {
    if (!CANONICAL_UTC.test(iso)) return localDate(iso, timeZone);
    const quarter = (((iso.charCodeAt(14) - 48) * 10 + (iso.charCodeAt(15) - 48)) / 15) | 0;
    if (quarter === lastQuarter && iso.startsWith(lastHour)) return lastDay;
    const hour = iso.slice(0, 14);
    const key = `${hour}${quarter}`;
    let day = memo.get(key);
    if (day === undefined) {
      day = localDate(iso, timeZone);
      memo.set(key, day);
    }
    lastHour = hour;
    lastQuarter = quarter;
    lastDay = day;
    return day;
  };
}

/** `YYYY-MM-DDTHH:MM…Z`: an instant in UTC whose quarter hour can be read off its text. */
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:[0-5]\d.*Z$/;
