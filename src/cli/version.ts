// The package version, put into the bundles at build time by esbuild.js ('dev' when running from sources).
declare const AGENT_METER_VERSION: string | undefined;

export const VERSION: string = typeof AGENT_METER_VERSION === 'string' ? AGENT_METER_VERSION : 'dev';
