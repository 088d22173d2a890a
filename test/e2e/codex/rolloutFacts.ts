// Reads a Codex rollout file just far enough to check what the real CLI wrote against what the fake server served.
//
// Deliberately independent of src/: the e2e suite first proves the facts the engine relies on (one
// `token_usage_record` per response, running totals, fork inheritance, model from `turn_context`), then checks the
// engine's report. If the CLI changes its format, these checks fail before the report checks do, which says where.
import { readFileSync } from 'node:fs';

/** Token fields as the rollout spells them (`token_usage_record.usage`, `token_count.info.*_token_usage`). */
export interface RolloutUsage {
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_input_tokens: number;
  output_tokens: number;
  reasoning_output_tokens: number;
  total_tokens: number;
}

export interface UsageRecordFact {
  responseId: string;
  threadId: string;
  /** Model of the `turn_context` line preceding the record. */
  model: string | undefined;
  timestamp: string;
  usage: RolloutUsage;
  /** `thread_token_usage`: the running total after this response. */
  threadUsage: RolloutUsage;
}

export interface TokenCountFact {
  total: RolloutUsage;
  last: RolloutUsage;
  modelContextWindow: number | undefined;
}

export interface RolloutFacts {
  file: string;
  sessionId: string;
  cwd: string;
  branch: string | undefined;
  forkedFromId: string | undefined;
  /** Models of every `turn_context`, in order, without repeats. */
  models: string[];
  records: UsageRecordFact[];
  tokenCounts: TokenCountFact[];
  /** Number of `task_started` events: one per `codex exec` / `resume` / `fork` run that reached the model loop. */
  tasks: number;
  lineTypes: Record<string, number>;
}

type Json = Record<string, unknown>;

export function readRollout(file: string): RolloutFacts {
  const facts: RolloutFacts = {
    file,
    sessionId: '',
    cwd: '',
    branch: undefined,
    forkedFromId: undefined,
    models: [],
    records: [],
    tokenCounts: [],
    tasks: 0,
    lineTypes: {},
  };
  let model: string | undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as Json;
    const payload = asObject(entry.payload);
    const type = String(entry.type);
    const subtype = typeof payload.type === 'string' ? `${type}:${payload.type}` : type;
    facts.lineTypes[subtype] = (facts.lineTypes[subtype] ?? 0) + 1;
    if (type === 'session_meta') {
      facts.sessionId = String(payload.id);
      facts.cwd = String(payload.cwd);
      const git = asObject(payload.git);
      facts.branch = typeof git.branch === 'string' ? git.branch : undefined;
      facts.forkedFromId = typeof payload.forked_from_id === 'string' ? payload.forked_from_id : undefined;
    } else if (type === 'turn_context') {
      model = typeof payload.model === 'string' ? payload.model : undefined;
      if (model !== undefined && !facts.models.includes(model)) facts.models.push(model);
    } else if (type === 'token_usage_record') {
      facts.records.push({
        responseId: String(payload.response_id),
        threadId: String(payload.thread_id),
        model,
        timestamp: String(entry.timestamp),
        usage: asUsage(payload.usage),
        threadUsage: asUsage(payload.thread_token_usage),
      });
    } else if (type === 'event_msg' && payload.type === 'token_count') {
      const info = asObject(payload.info);
      facts.tokenCounts.push({
        total: asUsage(info.total_token_usage),
        last: asUsage(info.last_token_usage),
        modelContextWindow: typeof info.model_context_window === 'number' ? info.model_context_window : undefined,
      });
    } else if (type === 'event_msg' && payload.type === 'task_started') {
      facts.tasks += 1;
    }
  }
  return facts;
}

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function asUsage(value: unknown): RolloutUsage {
  const usage = asObject(value);
  const field = (name: keyof RolloutUsage): number => {
    const n = usage[name];
    if (typeof n !== 'number') throw new Error(`rollout usage lacks numeric ${name}: ${JSON.stringify(value)}`);
    return n;
  };
  return {
    input_tokens: field('input_tokens'),
    cached_input_tokens: field('cached_input_tokens'),
    cache_write_input_tokens: field('cache_write_input_tokens'),
    output_tokens: field('output_tokens'),
    reasoning_output_tokens: field('reasoning_output_tokens'),
    total_tokens: field('total_tokens'),
  };
}

export function addUsage(a: RolloutUsage, b: RolloutUsage): RolloutUsage {
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    cached_input_tokens: a.cached_input_tokens + b.cached_input_tokens,
    cache_write_input_tokens: a.cache_write_input_tokens + b.cache_write_input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    reasoning_output_tokens: a.reasoning_output_tokens + b.reasoning_output_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}

export const zeroUsage: RolloutUsage = {
  input_tokens: 0,
  cached_input_tokens: 0,
  cache_write_input_tokens: 0,
  output_tokens: 0,
  reasoning_output_tokens: 0,
  total_tokens: 0,
};
