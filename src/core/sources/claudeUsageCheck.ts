// Compile-time check that our Claude usage schema reads the official API shape (`@anthropic-ai/sdk` `Usage`).
// Type-only import: zero bundle cost. If the SDK renames or retypes a field we read, `npm run typecheck` fails.
import type { Usage as SdkUsage } from '@anthropic-ai/sdk/resources/messages';
import type { ClaudeUsage } from './claudeCode';

/** Every field we read exists in the official type (catches typos and renamed fields). */
type UnknownFields = Exclude<keyof ClaudeUsage, keyof SdkUsage>;
export const noUnknownFields: [UnknownFields] extends [never] ? true : UnknownFields = true;

/** Every official value fits our schema's type for that field (catches retyped fields). */
export function officialUsageFits(u: SdkUsage): Pick<ClaudeUsage, keyof ClaudeUsage & keyof SdkUsage> {
  return u;
}
