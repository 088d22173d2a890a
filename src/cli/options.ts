// What the full CLI's commands need from the shared flags: the resolution of optionSpecs.ts plus the price table
// (override rows validated with zod) and the worker count. Problems become UsageError (exit 2, no stack).
import { isValidTimeZone } from '../core/calendar';
import { PriceTable, priceOverridesSchema, type PriceOverride } from '../core/pricing';
import { requestedWorkers } from '../node/scanWorkers';
import { resolveShared, type SharedSetup, type SharedValues } from './optionSpecs';

export class UsageError extends Error {}

export interface Setup extends SharedSetup {
  prices: PriceTable;
  /** AGENT_METER_WORKERS=N pins the cold-scan worker count (0 = this thread only); unset = decided per scan. */
  workers: number | undefined;
}

function loadOverrides(file: string | undefined, text: string | undefined): PriceOverride[] {
  if (!file || text === undefined) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`--pricing ${file}: not valid JSON`);
  }
  const parsed = priceOverridesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--pricing ${file}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data;
}

/** Validates the shared flags and resolves them into what the commands need. */
export function setupFrom(values: SharedValues): Setup {
  const shared = resolveShared(values);
  if ('problem' in shared) throw new UsageError(shared.problem);
  if (!isValidTimeZone(shared.timeZone)) throw new UsageError(`time zone ${shared.timeZone}: not an IANA time zone; pass --timezone`);
  return { ...shared, prices: new PriceTable(loadOverrides(values.pricing, shared.pricingText)), workers: requestedWorkers() };
}
