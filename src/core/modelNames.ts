// Model ids are normalised in exactly one place (STYLE.md 3). Logs carry ids in several spellings:
// dated (`claude-sonnet-4-5-20250929`), Bedrock (`us.anthropic.claude-…-v1:0`), Vertex (`…@20250929`),
// router-prefixed (`anthropic/claude-…`), and Claude Code's `[1m]` long-context suffix.

export interface NormalisedModel {
  /** Lower-case id without provider/region prefixes, Bedrock version suffix or `[1m]`. */
  id: string;
  /** The id asked for the 1M-token context window (`[1m]`). */
  longContext: boolean;
}

const ROUTER_PREFIX = /^[a-z0-9_-]+\//; // anthropic/…, openai/…
const BEDROCK_PREFIX = /^(?:(?:us|eu|apac|global|jp|au)\.)?anthropic\./;
const BEDROCK_VERSION = /-v\d+(?::\d+)?$/;

export function normaliseModel(raw: string): NormalisedModel {
  let id = raw.trim().toLowerCase();
  const longContext = id.endsWith('[1m]');
  if (longContext) id = id.slice(0, -4);
  id = id.replace(ROUTER_PREFIX, '').replace(BEDROCK_PREFIX, '').replace(BEDROCK_VERSION, '');
  return { id, longContext };
}

/**
 * What may follow a price row's prefix for the row to still apply: a date stamp or `-latest`. Anything else is a
 * different model: `claude-sonnet-5-5` must not be priced as `claude-sonnet-5` (a known genai-prices over-match).
 */
const VERSION_SUFFIX = /^(?:[-@]?\d{4,8}|-\d{4}-\d{2}-\d{2}|-latest)$/;

export function isVersionSuffix(rest: string): boolean {
  return rest === '' || VERSION_SUFFIX.test(rest);
}
