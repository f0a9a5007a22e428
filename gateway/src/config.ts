import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { baseEnv, ConfigError, loadConfig, port, schemaDir } from '@polystore/platform';
import { frontDoorEnv } from './http/front-door-config';
import { resilienceEnv } from './resilience-config';
import { subgraphSettings, subgraphsOf, type SubgraphSettings } from './subgraph-config';
import { telemetryEnv } from './telemetry';

export const gatewayEnv = {
  ...baseEnv,
  PORT: port(4000),
  /** The composed supergraph the gateway plans against (npm run compose writes it). */
  SUPERGRAPH_PATH: z.string().default(path.join(schemaDir(), 'supergraph.graphql')),
  /**
   * Which subgraphs' requests must carry the gateway's signature (`<PREFIX>_SIGNING_SECRET`): `all`
   * (default), `none`, or comma-separated subgraph names. Production refuses to start when one of
   * them has no secret; elsewhere it is called unsigned, with a warning. A subgraph that has a
   * secret is always signed.
   */
  SIGNED_SUBGRAPHS: z.string().default('all'),
  /** How /readyz checks subgraphs without `<PREFIX>_READINESS`: a signed `{ __typename }`, or `off`. */
  SUBGRAPH_READINESS: z.enum(['graphql', 'off']).default('graphql'),
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

/**
 * The gateway's settings, checked once: the environment, the supergraph it plans against, and each
 * of that supergraph's subgraphs' own variables (subgraph-config.ts). Every problem is listed at once.
 */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  const base = loadConfig('gateway', gatewayEnv, env);
  const production = base.NODE_ENV === 'production';
  const problems: string[] = [];
  let supergraphSdl: string;
  try {
    supergraphSdl = readFileSync(base.SUPERGRAPH_PATH, 'utf8');
  } catch (error) {
    throw new ConfigError('gateway', [
      `SUPERGRAPH_PATH: cannot read ${base.SUPERGRAPH_PATH} (${(error as Error).message})`,
    ]);
  }
  const { subgraphs, warnings, ...checked } = subgraphSettings(subgraphsOf(supergraphSdl), env, {
    production,
    signed: base.SIGNED_SUBGRAPHS,
    readiness: base.SUBGRAPH_READINESS,
  });
  problems.push(...checked.problems);

  // Sessions need a subgraph that owns them; `accounts` unless told otherwise, off without one.
  const sessionsName = base.SESSIONS_SUBGRAPH ?? 'accounts';
  let sessions: SubgraphSettings | undefined;
  if (sessionsName !== 'off') {
    sessions = subgraphs.find((s) => s.name === sessionsName);
    if (!sessions && base.SESSIONS_SUBGRAPH !== undefined) {
      problems.push(`SESSIONS_SUBGRAPH: the supergraph has no subgraph "${sessionsName}"`);
    }
    if (sessions && !sessions.signingSecret) {
      problems.push(
        `${sessions.envPrefix}_SIGNING_SECRET: sessions need it (session refresh is signed); or SESSIONS_SUBGRAPH=off`,
      );
    }
  }
  if (production && !base.GATEWAY_REDIS_URL) {
    problems.push(
      'GATEWAY_REDIS_URL: required in production (rate limits, APQ and revocations shared by every instance)',
    );
  }
  if (production && !base.COOKIE_SECURE) problems.push('COOKIE_SECURE: must be true in production');
  if (problems.length) throw new ConfigError('gateway', problems);

  const byName = <T>(pick: (s: SubgraphSettings) => T | undefined) =>
    Object.fromEntries(subgraphs.flatMap((s) => (pick(s) === undefined ? [] : [[s.name, pick(s)!] as const])));
  return {
    ...base,
    supergraphSdl,
    subgraphs,
    /** The subgraph sessions are established with; undefined: sessions off. */
    sessions,
    /** What the gateway logs at start-up (a subgraph it must call unsigned, ...). */
    warnings,
    /** By subgraph name: where it is called, and the secret it is signed with (when it has one). */
    subgraphUrls: byName((s) => s.url),
    signingSecrets: byName((s) => s.signingSecret),
  };
}
