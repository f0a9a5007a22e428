import { Kind, parse, type ConstValueNode } from 'graphql';
import { MIN_SECRET_LENGTH } from '@polystore/platform';

/** A subgraph as the supergraph declares it: `@join__graph(name:, url:)` on a value of `join__Graph`. */
export interface DeclaredSubgraph {
  name: string;
  url: string;
}

/** The subgraph names and URLs a supergraph declares, in its order. */
export function subgraphsOf(supergraphSdl: string): DeclaredSubgraph[] {
  const stringArgument = (value: ConstValueNode | undefined) => (value?.kind === Kind.STRING ? value.value : undefined);
  const declared: DeclaredSubgraph[] = [];
  for (const definition of parse(supergraphSdl).definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const directive = value.directives?.find((d) => d.name.value === 'join__graph');
      const argument = (name: string) =>
        stringArgument(directive?.arguments?.find((a) => a.name.value === name)?.value);
      const name = argument('name');
      if (name !== undefined) declared.push({ name, url: argument('url') ?? '' });
    }
  }
  return declared;
}

/**
 * The prefix of a subgraph's own variables: its name upper-cased, every run of other characters
 * than A–Z and 0–9 made one `_` (`node-two` → `NODE_TWO`: NODE_TWO_URL, NODE_TWO_SIGNING_SECRET,
 * NODE_TWO_READINESS). docs/gateway.md states the rule.
 */
export function subgraphEnvPrefix(name: string): string {
  return name
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** How /readyz checks a subgraph: a signed `{ __typename }` POST, a GET of a health URL, or not at all. */
export type SubgraphReadiness = { kind: 'graphql' } | { kind: 'url'; url: string } | { kind: 'off' };

export interface SubgraphSettings {
  name: string;
  /** `NODE_TWO` for `node-two`: the prefix of its variables. */
  envPrefix: string;
  /** Where the gateway sends its fetches: `<PREFIX>_URL`, else the supergraph's URL. */
  url: string;
  /** Requests to it carry the gateway's HMAC signature with this secret; without one they go unsigned. */
  signingSecret?: string;
  /** Named by SIGNED_SUBGRAPHS: production refuses to start without its secret. */
  mustSign: boolean;
  readiness: SubgraphReadiness;
}

export interface SubgraphSettingsOptions {
  production: boolean;
  /** SIGNED_SUBGRAPHS: `all`, `none`, or the names of the subgraphs that must be signed. */
  signed: string;
  /** SUBGRAPH_READINESS: the default for subgraphs without `<PREFIX>_READINESS`. */
  readiness: 'graphql' | 'off';
}

const isHttpUrl = (value: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

/**
 * Each subgraph's URL, secret, signing requirement and readiness check, from the variables its name
 * maps to; `problems` are what must stop the gateway (listed together), `warnings` what it logs.
 */
export function subgraphSettings(
  declared: DeclaredSubgraph[],
  env: NodeJS.ProcessEnv,
  options: SubgraphSettingsOptions,
): { subgraphs: SubgraphSettings[]; problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const names = new Set(declared.map((s) => s.name));
  const signedList = options.signed.trim();
  const listed =
    signedList === 'all' || signedList === 'none'
      ? undefined
      : new Set(
          signedList
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        );
  for (const name of listed ?? []) {
    if (!names.has(name)) problems.push(`SIGNED_SUBGRAPHS: the supergraph has no subgraph "${name}"`);
  }
  const prefixes = new Map<string, string>();
  const subgraphs = declared.map((subgraph): SubgraphSettings => {
    const envPrefix = subgraphEnvPrefix(subgraph.name);
    const clash = prefixes.get(envPrefix);
    if (clash !== undefined || !envPrefix) {
      problems.push(
        `subgraphs "${clash ?? subgraph.name}" and "${subgraph.name}" map to the same variables (${envPrefix}_*): rename one`,
      );
    }
    prefixes.set(envPrefix, subgraph.name);

    const urlVar = `${envPrefix}_URL`;
    const url = env[urlVar] || subgraph.url;
    if (!isHttpUrl(url)) problems.push(`${urlVar}: subgraph "${subgraph.name}" needs an http(s) URL (got "${url}")`);

    const secretVar = `${envPrefix}_SIGNING_SECRET`;
    const signingSecret = env[secretVar] || undefined;
    if (signingSecret !== undefined && signingSecret.length < MIN_SECRET_LENGTH) {
      problems.push(`${secretVar}: must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    const mustSign = signedList === 'all' || Boolean(listed?.has(subgraph.name));
    if (mustSign && !signingSecret) {
      const message = `${secretVar} is not set, and SIGNED_SUBGRAPHS says requests to "${subgraph.name}" must be signed`;
      if (options.production) problems.push(message);
      else warnings.push(`${message}: sending them unsigned (production refuses to start)`);
    }

    const readinessVar = `${envPrefix}_READINESS`;
    const readinessValue = env[readinessVar] || options.readiness;
    let readiness: SubgraphReadiness;
    if (readinessValue === 'graphql' || readinessValue === 'off') readiness = { kind: readinessValue };
    else if (isHttpUrl(readinessValue)) readiness = { kind: 'url', url: readinessValue };
    else {
      problems.push(`${readinessVar}: must be graphql, off or an http(s) URL`);
      readiness = { kind: 'off' };
    }
    return { name: subgraph.name, envPrefix, url, signingSecret, mustSign, readiness };
  });
  return { subgraphs, problems, warnings };
}
