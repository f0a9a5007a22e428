import path from 'node:path';
import { z } from 'zod';
import { baseEnv, ConfigError, loadConfig, MIN_SECRET_LENGTH, port, schemaDir } from '@polystore/platform';
import { frontDoorEnv } from './http/front-door-config';
import { resilienceEnv } from './resilience-config';
import { telemetryEnv } from './telemetry';

const NOT_SUBGRAPHS = ['GRAPH', 'REDIS', 'MONGO', 'ELASTICSEARCH', 'GATEWAY'];

export const gatewayEnv = {
  ...baseEnv,
  PORT: port(4000),
  /** The composed supergraph the gateway plans against (npm run compose writes it). */
  SUPERGRAPH_PATH: z.string().default(path.join(schemaDir(), 'supergraph.graphql')),
  /** Browser origins allowed to call the API, comma-separated; empty allows none (same-origin only). */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  /** Largest request body; above it the gateway answers 413 before parsing. */
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/)
    .default('2mb'),
  ...frontDoorEnv,
  /** Subgraph timeouts, retries, breakers, plan cache, explorer (resilience-config.ts). */
  ...resilienceEnv,
  ...telemetryEnv,
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  const base = loadConfig('gateway', gatewayEnv, env);
  /** Subgraph URL overrides (`<NAME>_URL`, e.g. ACCOUNTS_URL) and signing secrets (`<NAME>_SIGNING_SECRET`). */
  const subgraphUrls: Record<string, string> = {};
  const signingSecrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (!value) continue;
    const url = /^([A-Z][A-Z0-9]*)_URL$/.exec(key);
    if (url && /^https?:\/\//.test(value) && !NOT_SUBGRAPHS.includes(url[1]!)) {
      subgraphUrls[url[1]!.toLowerCase()] = value;
    }
    const secret = /^([A-Z][A-Z0-9]*)_SIGNING_SECRET$/.exec(key);
    if (secret) {
      if (value.length < MIN_SECRET_LENGTH) {
        throw new ConfigError('gateway', [`${key}: must be at least ${MIN_SECRET_LENGTH} characters`]);
      }
      signingSecrets[secret[1]!.toLowerCase()] = value;
    }
  }
  const problems: string[] = [];
  if (base.NODE_ENV === 'production' && !base.COOKIE_SECURE) problems.push('COOKIE_SECURE: must be true in production');
  if (problems.length) throw new ConfigError('gateway', problems);
  return { ...base, subgraphUrls, signingSecrets };
}
