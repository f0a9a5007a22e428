import path from 'node:path';
import { z } from 'zod';
import { baseEnv, loadConfig, port, schemaDir } from '@polystore/platform';

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
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig> & {
  /** Subgraph URL overrides by subgraph name, from `<NAME>_URL` (e.g. ACCOUNTS_URL). */
  subgraphUrls: Record<string, string>;
};

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  const base = loadConfig('gateway', gatewayEnv, env);
  const subgraphUrls: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const match = /^([A-Z][A-Z0-9]*)_URL$/.exec(key);
    if (
      match &&
      value &&
      /^https?:\/\//.test(value) &&
      !['GRAPH', 'REDIS', 'MONGO', 'ELASTICSEARCH'].includes(match[1]!)
    ) {
      subgraphUrls[match[1]!.toLowerCase()] = value;
    }
  }
  return { ...base, subgraphUrls };
}
