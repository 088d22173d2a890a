// OTLP ingest for the team server's `POST /v1/metrics` (DESIGN §7; notes/pricing-and-team-sync.md §3.3, §5b): an
// OTLP/HTTP JSON `ExportMetricsServiceRequest`, as node/otlpExport.ts sends it, back into the SyncRows of each
// (member, team, machine, time zone), so the OTLP path and the JSON path store the same rows.
//
// What makes a row: the nine points node/otlpExport.ts always sends for one key (cost; input, output, cacheRead,
// cacheCreation 5m and 1h tokens; priced and unpriced requests; web searches), all CUMULATIVE sums, under one
// resource that names `user.email` and `host.name`, with the datapoint attributes `model`, `agent`, `period.day`
// and `period.time_zone` (`repo` and `branch` may be absent: '' as in SyncRow). Decisions:
//  - `rev` is the latest `timeUnixNano` of the row's points in microseconds: the exporter stamps every point of one
//    export with the collection time, so a later export of a row always carries a higher revision.
//  - The same series twice in one body (a collector that batched two exports together): the later point wins and
//    the earlier one is neither stored nor counted as rejected, as a re-send would be.
//  - Counted in `rejectedDataPoints` (OTLP partial success, so the sender sees it): points of a resource without
//    member or machine, of a non-cumulative or non-Sum Agent Meter metric, with a missing or malformed attribute or
//    value (negative, fractional count, not a number), and every point of a row that lacks some of the nine.
//  - Other metrics (Claude Code's own `claude_code.*`, anything else a shared collector forwards) are not stored, so
//    their points are counted as rejected too, with their names in the message: a sender that points Claude Code
//    here learns that nothing of it was kept rather than believing it was.
//  - A body that is not an ExportMetricsServiceRequest at all gives no batches, zero rejected points and an
//    `errorMessage`: the server answers 400 then, and 200 with `partialSuccess` otherwise.
//  - Batches hold at most MAX_ROWS_PER_BATCH rows, like the JSON path; one identity may get several.
// Never throws. Hot path: a 2,000-row body is 18,000 points. The envelope is checked with zod; each point is read by
// hand in one pass over its attributes, and every string taken goes through a zod schema once per distinct value
// (memoized per body). That maps 2,000 rows in ~25–40 ms on a busy 2-core machine, less than JSON.parse of the body.
import * as z from 'zod';
import { daySchema, identifierSchema, MAX_ROWS_PER_BATCH, OTLP, syncRowSchema } from './teamProtocol';
import type { SyncRow } from './teamProtocol';

export interface OtlpBatch {
  member: string;
  team?: string;
  machine: string;
  timeZone: string;
  rows: SyncRow[];
}

export interface OtlpIngestResult {
  batches: OtlpBatch[];
  rejectedDataPoints: number;
  /** Why points were rejected (the most frequent reasons), or why the body was not read at all. */
  errorMessage?: string;
}

// ---- the envelope: only the fields we read; unknown fields are ignored (OTLP: receivers MUST ignore them) ----

// Lists whose items are read one by one below: checked as arrays only, so zod does not walk 18,000 points twice.
const listSchema = z.custom<unknown[]>((v) => Array.isArray(v), 'an array');
const keyValueListSchema = listSchema;
const dataPointsSchema = listSchema;
const metricSchema = z.object({
  name: z.string(),
  sum: z.object({ aggregationTemporality: z.unknown().optional(), dataPoints: dataPointsSchema.optional() }).optional(),
  gauge: z.object({ dataPoints: dataPointsSchema.optional() }).optional(),
  histogram: z.object({ dataPoints: dataPointsSchema.optional() }).optional(),
  exponentialHistogram: z.object({ dataPoints: dataPointsSchema.optional() }).optional(),
  summary: z.object({ dataPoints: dataPointsSchema.optional() }).optional(),
});
const requestSchema = z.object({
  resourceMetrics: z
    .array(
      z.object({
        resource: z.object({ attributes: keyValueListSchema.optional() }).optional(),
        scopeMetrics: z.array(z.object({ metrics: listSchema.optional() })).optional(),
      }),
    )
    .optional(),
});

type ResourceMetricsInput = NonNullable<z.infer<typeof requestSchema>['resourceMetrics']>[number];

// ---- values ----

/** int64 in OTLP JSON: a decimal string, or a plain number from lenient encoders (the JS SDK writes asInt so). */
const int64Schema = z.union([z.string().regex(/^-?\d{1,20}$/), z.number().int()]);
const countSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const costSchema = z.number().nonnegative().max(Number.MAX_SAFE_INTEGER / 1e9);
const timeZoneSchema = z.string().min(1).max(64).regex(/^[^\u0000-\u001f\u007f]*$/);
const optionalIdentifierSchema = identifierSchema.or(z.literal(''));
const agentSchema = syncRowSchema.shape.agent;
const tokenTypeSchema = z.enum(['input', 'output', 'cacheRead', 'cacheCreation']);
const ttlSchema = z.enum(['5m', '1h']);
const pricedSchema = z.enum(['true', 'false']);
const CUMULATIVE = new Set<unknown>([2, 'AGGREGATION_TEMPORALITY_CUMULATIVE']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** isRecord without the array test, for the per-attribute hot path: a JSON array has no `key` or `…Value` field to read. */
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * A string schema's verdict, remembered per distinct value for one body: the same model, day and zone recur on
 * every point of a row and on every row of a day, so zod runs once per distinct string, not 18,000 times.
 */
function memoized<T extends string>(schema: z.ZodType<T>): (value: unknown) => T | undefined {
  const seen = new Map<string, T | null>();
  return (value) => {
    if (typeof value !== 'string') return undefined;
    let verdict = seen.get(value);
    if (verdict === undefined) {
      const parsed = schema.safeParse(value);
      verdict = parsed.success ? parsed.data : null;
      seen.set(value, verdict);
    }
    return verdict ?? undefined;
  };
}

/** The scalar in an AnyValue (`{stringValue|intValue|doubleValue|boolValue}`); arrays and kvlists are not read. */
function anyValue(value: unknown): string | number | boolean | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value['stringValue'] === 'string') return value['stringValue'];
  if (typeof value['boolValue'] === 'boolean') return value['boolValue'];
  if (typeof value['doubleValue'] === 'number') return value['doubleValue'];
  const int = int64Schema.safeParse(value['intValue']);
  return int.success ? Number(int.data) : undefined;
}

/** A KeyValue list as a plain map of its scalar values (later keys win, as in the SDKs). */
function attributesOf(list: unknown): Map<string, string | number | boolean> {
  const out = new Map<string, string | number | boolean>();
  if (!Array.isArray(list)) return out;
  for (const kv of list) {
    if (!isRecord(kv) || typeof kv['key'] !== 'string') continue;
    const value = anyValue(kv['value']);
    if (value !== undefined) out.set(kv['key'], value);
  }
  return out;
}

// ---- rows ----

/** The nine points of a row, by slot index. */
const enum Slot {
  cost,
  input,
  output,
  cacheRead,
  cacheWrite5m,
  cacheWrite1h,
  priced,
  unpriced,
  webSearch,
}
const SLOT_COUNT = 9;
const ALL_SLOTS = (1 << SLOT_COUNT) - 1;

interface RowDraft {
  identity: { member: string; team?: string; machine: string };
  timeZone: string;
  key: Pick<SyncRow, 'day' | 'agent' | 'model' | 'repo' | 'branch'>;
  /** Bit i set: slot i has a point. */
  filled: number;
  values: number[];
  micros: number[];
}

/** Counts rejected points by reason, for `rejectedDataPoints` and a short message. */
class Rejections {
  total = 0;
  private readonly reasons = new Map<string, number>();
  add(reason: string, points = 1): void {
    if (points <= 0) return;
    this.total += points;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + points);
  }
  message(): string | undefined {
    if (this.total === 0) return undefined;
    const top = [...this.reasons].sort((a, b) => b[1] - a[1]);
    const shown = top.slice(0, 3).map(([reason, n]) => `${n} ${reason}`);
    if (top.length > 3) shown.push(`${top.length - 3} more reasons`);
    return `rejected ${this.total} data points: ${shown.join('; ')}`;
  }
}

const OUR_METRICS = new Set<string>([OTLP.costMetric, OTLP.tokenMetric, OTLP.requestMetric, OTLP.webSearchMetric]);
// Local copies: read once per point, 18,000 times a body.
const { day: DAY, timeZone: TIME_ZONE, agent: AGENT, model: MODEL, repo: REPO, branch: BRANCH, tokenType: TYPE, cacheTtl: TTL, priced: PRICED } = OTLP;

/** Points of a metric, whatever its kind. */
function pointCount(raw: unknown): number {
  if (!isRecord(raw)) return 0;
  let n = 0;
  for (const kind of ['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary']) {
    const data = raw[kind];
    if (isRecord(data) && Array.isArray(data['dataPoints'])) n += data['dataPoints'].length;
  }
  return n;
}

/**
 * Maps keyed by one string per level. The validators hand back one string instance per distinct value, whose hash
 * V8 keeps, so a lookup here costs a few cached-hash probes where one joined key would hash a new string per point.
 */
class KeyTree<V> {
  private readonly root = new Map<string, unknown>();
  /** The leaf map under the path (created on first use); fixed arity, so no array per call. */
  at(a: string, b: string, c: string, d: string, e: string, f: string): Map<string, V> {
    return KeyTree.child(KeyTree.child(KeyTree.child(KeyTree.child(KeyTree.child(KeyTree.child(this.root, a), b), c), d), e), f) as Map<string, V>;
  }
  private static child(level: Map<string, unknown>, part: string): Map<string, unknown> {
    let next = level.get(part) as Map<string, unknown> | undefined;
    if (next === undefined) {
      next = new Map();
      level.set(part, next);
    }
    return next;
  }
}

/** Metric names named in the message, at most. */
const MAX_FOREIGN_NAMES = 3;

/** One body's reading state: validators remembered per distinct string, the rows being put together. */
class Reader {
  readonly rejections = new Rejections();
  readonly foreign = new Set<string>();
  private readonly drafts = new KeyTree<RowDraft>();
  /** The same drafts, in order of first point. */
  private readonly draftList: RowDraft[] = [];
  private readonly day = memoized(daySchema);
  private readonly timeZone = memoized(timeZoneSchema);
  private readonly agent = memoized(agentSchema);
  private readonly model = memoized(identifierSchema);
  private readonly optional = memoized(optionalIdentifierSchema);
  private readonly tokenType = memoized(tokenTypeSchema);
  private readonly ttl = memoized(ttlSchema);
  private readonly priced = memoized(pricedSchema);
  private readonly micros = new Map<string, number | undefined>();

  resource(resourceMetrics: ResourceMetricsInput): void {
    const attributes = attributesOf(resourceMetrics.resource?.attributes);
    const member = identifierSchema.safeParse(attributes.get(OTLP.member));
    const machine = identifierSchema.safeParse(attributes.get(OTLP.machine));
    const teamValue = attributes.get(OTLP.team);
    const team = teamValue === undefined ? undefined : identifierSchema.safeParse(teamValue);
    const problem = !member.success
      ? `without a valid ${OTLP.member} resource attribute`
      : !machine.success
        ? `without a valid ${OTLP.machine} resource attribute`
        : team !== undefined && !team.success
          ? `with an invalid ${OTLP.team} resource attribute`
          : undefined;
    const identity =
      member.success && machine.success && problem === undefined
        ? { member: member.data, ...(team?.success ? { team: team.data } : {}), machine: machine.data }
        : undefined;
    const identityKey = [identity?.member, identity?.team ?? '', identity?.machine].join('\u0000');

    for (const scope of resourceMetrics.scopeMetrics ?? []) {
      for (const raw of scope.metrics ?? []) {
        const parsed = metricSchema.safeParse(raw);
        if (!parsed.success) {
          this.rejections.add('in a malformed metric', Math.max(1, pointCount(raw)));
          continue;
        }
        const metric = parsed.data;
        if (!OUR_METRICS.has(metric.name)) {
          const n = pointCount(raw);
          if (n > 0 && this.foreign.size < MAX_FOREIGN_NAMES) this.foreign.add(metric.name);
          this.rejections.add('of metrics Agent Meter does not store', n);
        } else if (identity === undefined) {
          this.rejections.add(problem ?? 'without identity', pointCount(raw));
        } else if (metric.sum === undefined) {
          this.rejections.add(`of ${metric.name} not sent as a Sum`, pointCount(raw));
        } else if (!CUMULATIVE.has(metric.sum.aggregationTemporality)) {
          this.rejections.add(`of ${metric.name} without CUMULATIVE temporality`, metric.sum.dataPoints?.length ?? 0);
        } else {
          for (const point of metric.sum.dataPoints ?? []) {
            const why = this.point(identity, identityKey, metric.name, point);
            if (why !== undefined) this.rejections.add(why);
          }
        }
      }
    }
  }

  /** Files one point of our metrics into its row; returns why it cannot, or undefined. */
  private point(identity: RowDraft['identity'], identityKey: string, metric: string, raw: unknown): string | undefined {
    if (!isRecord(raw)) return 'that are not objects';
    // One pass over the attributes, keeping only the keys a row needs (Claude Code-style extras are ignored).
    let day: unknown, timeZone: unknown, agent: unknown, model: unknown, type: unknown, ttl: unknown, priced: unknown;
    let repo: unknown = '';
    let branch: unknown = '';
    const list = raw['attributes'];
    if (Array.isArray(list)) {
      for (const kv of list) {
        if (!isObject(kv)) continue;
        const key = kv['key'];
        if (typeof key !== 'string') continue;
        const value = anyValue(kv['value']);
        if (key === DAY) day = value;
        else if (key === TIME_ZONE) timeZone = value;
        else if (key === AGENT) agent = value;
        else if (key === MODEL) model = value;
        else if (key === REPO) repo = value;
        else if (key === BRANCH) branch = value;
        else if (key === TYPE) type = value;
        else if (key === TTL) ttl = value;
        else if (key === PRICED) priced = typeof value === 'boolean' ? String(value) : value;
      }
    }
    const validDay = this.day(day);
    if (validDay === undefined) return `without ${DAY}`;
    const validZone = this.timeZone(timeZone);
    if (validZone === undefined) return `without ${TIME_ZONE}`;
    const validAgent = this.agent(agent);
    if (validAgent === undefined) return 'of an unknown agent';
    const validModel = this.model(model);
    if (validModel === undefined) return `without a valid ${MODEL}`;
    const validRepo = this.optional(repo);
    const validBranch = this.optional(branch);
    if (validRepo === undefined || validBranch === undefined) return `with an invalid ${REPO} or ${BRANCH}`;

    let slot: Slot;
    if (metric === OTLP.costMetric) slot = Slot.cost;
    else if (metric === OTLP.webSearchMetric) slot = Slot.webSearch;
    else if (metric === OTLP.requestMetric) {
      const p = this.priced(priced);
      if (p === undefined) return `without ${PRICED} true|false`;
      slot = p === 'true' ? Slot.priced : Slot.unpriced;
    } else {
      const t = this.tokenType(type);
      if (t === undefined) return `without a token ${TYPE}`;
      if (t === 'cacheCreation') {
        const l = this.ttl(ttl);
        if (l === undefined) return `of cacheCreation without ${TTL} 5m|1h`;
        slot = l === '5m' ? Slot.cacheWrite5m : Slot.cacheWrite1h;
      } else slot = t === 'input' ? Slot.input : t === 'output' ? Slot.output : Slot.cacheRead;
    }

    const micros = this.timeMicros(raw['timeUnixNano']);
    if (micros === undefined) return 'without a valid timeUnixNano';
    const value = slot === Slot.cost ? costValue(raw) : countValue(raw);
    if (value === undefined) return 'with a negative, fractional or missing value';

    const level = this.drafts.at(identityKey, validZone, validDay, validAgent, validModel, validRepo);
    let draft = level.get(validBranch);
    if (draft === undefined) {
      draft = {
        identity,
        timeZone: validZone,
        key: { day: validDay, agent: validAgent, model: validModel, repo: validRepo, branch: validBranch },
        filled: 0,
        values: new Array<number>(SLOT_COUNT).fill(0),
        micros: new Array<number>(SLOT_COUNT).fill(0),
      };
      level.set(validBranch, draft);
      this.draftList.push(draft);
    }
    const bit = 1 << slot;
    if ((draft.filled & bit) === 0 || micros >= (draft.micros[slot] ?? 0)) {
      draft.filled |= bit;
      draft.values[slot] = value;
      draft.micros[slot] = micros;
    }
    return undefined;
  }

  /** `timeUnixNano` in microseconds: string → BigInt → / 1000 (a nanosecond count is past 2^53); one per export. */
  private timeMicros(value: unknown): number | undefined {
    const key = typeof value === 'number' ? `n${value}` : typeof value === 'string' ? value : undefined;
    if (key === undefined) return undefined;
    if (this.micros.has(key)) return this.micros.get(key);
    const parsed = int64Schema.safeParse(value);
    let micros: number | undefined;
    if (parsed.success) {
      const n = Number(BigInt(parsed.data) / 1000n);
      micros = n > 0 && n <= Number.MAX_SAFE_INTEGER ? n : undefined;
    }
    this.micros.set(key, micros);
    return micros;
  }

  /** The rows put together, grouped by identity and time zone; rows short of a point are counted as rejected. */
  batches(): OtlpBatch[] {
    const batches = new Map<string, OtlpBatch>();
    for (const draft of this.draftList) {
      const row = rowOf(draft);
      if (typeof row === 'string') {
        this.rejections.add(row, bitCount(draft.filled));
        continue;
      }
      const batchKey = [draft.identity.member, draft.identity.team ?? '', draft.identity.machine, draft.timeZone].join('\u0000');
      let batch = batches.get(batchKey);
      if (batch === undefined) {
        batch = { ...draft.identity, timeZone: draft.timeZone, rows: [] };
        batches.set(batchKey, batch);
      }
      batch.rows.push(row);
    }
    const out: OtlpBatch[] = [];
    for (const batch of batches.values()) {
      for (let i = 0; i < batch.rows.length; i += MAX_ROWS_PER_BATCH) out.push({ ...batch, rows: batch.rows.slice(i, i + MAX_ROWS_PER_BATCH) });
    }
    return out;
  }
}

/** A point's number: `asDouble`, or `asInt` (string or number). */
function pointNumber(point: Record<string, unknown>): number | undefined {
  const double = point['asDouble'];
  if (typeof double === 'number') return double;
  const int = point['asInt'];
  // Fast path for the plain numbers the JS SDK writes; strings (the spec's int64 form) through the schema.
  if (typeof int === 'number') return int;
  const parsed = int64Schema.safeParse(int);
  return parsed.success ? Number(parsed.data) : undefined;
}

function countValue(point: Record<string, unknown>): number | undefined {
  const n = pointNumber(point);
  return Number.isSafeInteger(n) && (n as number) >= 0 ? n : countSchema.safeParse(n).success ? n : undefined;
}

function costValue(point: Record<string, unknown>): number | undefined {
  const usd = pointNumber(point);
  return costSchema.safeParse(usd).success ? Math.round((usd as number) * 1e9) : undefined;
}

function bitCount(bits: number): number {
  let n = 0;
  for (let b = bits; b !== 0; b &= b - 1) n++;
  return n;
}

/** The SyncRow of a draft holding all nine points, or why there is none. */
function rowOf(draft: RowDraft): SyncRow | string {
  if (draft.filled !== ALL_SLOTS) return "of a row without all nine of Agent Meter's points";
  const [cost = 0, input = 0, output = 0, cacheRead = 0, cacheWrite5m = 0, cacheWrite1h = 0, priced = 0, unpriced = 0, webSearch = 0] = draft.values;
  const requests = priced + unpriced;
  // Each part was checked on its own; only this sum can leave the range a SyncRow allows.
  if (!Number.isSafeInteger(requests)) return 'of a row whose request count is out of range';
  let rev = 0;
  for (const micros of draft.micros) if (micros > rev) rev = micros;
  return {
    ...draft.key,
    rev,
    costNanoUsd: cost,
    requests,
    unpricedRequests: unpriced,
    webSearchRequests: webSearch,
    tokens: { input, output, cacheRead, cacheWrite5m, cacheWrite1h },
  };
}

/**
 * Maps an OTLP/HTTP JSON metrics request (already JSON-parsed) to Agent Meter's sync batches. See the module header
 * for what is kept and what is counted in `rejectedDataPoints`. Never throws.
 */
export function rowsFromOtlp(body: unknown): OtlpIngestResult {
  try {
    const request = requestSchema.safeParse(body);
    if (!request.success) return { batches: [], rejectedDataPoints: 0, errorMessage: 'the body is not an OTLP ExportMetricsServiceRequest' };
    const reader = new Reader();
    for (const resourceMetrics of request.data.resourceMetrics ?? []) reader.resource(resourceMetrics);
    const batches = reader.batches();
    let errorMessage = reader.rejections.message();
    if (errorMessage !== undefined && reader.foreign.size > 0) errorMessage += ` (not stored: ${[...reader.foreign].join(', ')})`;
    return { batches, rejectedDataPoints: reader.rejections.total, ...(errorMessage === undefined ? {} : { errorMessage }) };
  } catch (error) {
    // Defensive only: every step validates before it reads. A bug must still not take the server down.
    return { batches: [], rejectedDataPoints: 0, errorMessage: `the body could not be read: ${error instanceof Error ? error.message : String(error)}` };
  }
}
