import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { parse } from 'graphql';
import { IDENTITY_HEADER, keepRawBody, requireGatewaySignature } from '@polystore/platform';

/** A small federation subgraph that is not Polystore's: its SDL and resolvers. */
export interface FixtureDefinition {
  name: string;
  typeDefs: string;
  resolvers: GraphQLResolverMap<unknown>;
}

export interface FixtureSubgraph {
  name: string;
  url: string;
  /** Every request body it was sent, and whether it carried an identity header. */
  received: { query: string; identity: boolean }[];
  /** Requests refused for a missing or bad signature (only when it requires one). */
  refused: () => number;
  close(): Promise<void>;
}

/**
 * Serve one fixture subgraph on a free loopback port with @apollo/subgraph and @apollo/server, as
 * any team's subgraph would be; `signingSecret` makes it refuse requests the gateway did not sign
 * (platform gateway-trust), as a subgraph that opted in would.
 */
export async function serveFixture(
  definition: FixtureDefinition,
  options: { signingSecret?: string } = {},
): Promise<FixtureSubgraph> {
  const apollo = new ApolloServer({
    schema: buildSubgraphSchema([{ typeDefs: parse(definition.typeDefs), resolvers: definition.resolvers }]),
    // federated traces are for Apollo's hosted Studio; the gateways here never ask for them
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  await apollo.start();
  const received: FixtureSubgraph['received'] = [];
  let refused = 0;
  const app = express();
  app.use(
    '/graphql',
    express.json({ verify: keepRawBody }),
    (req, _res, next) => {
      received.push({
        query: String((req.body as { query?: unknown }).query),
        identity: IDENTITY_HEADER in req.headers,
      });
      next();
    },
    ...(options.signingSecret ? [requireGatewaySignature(options.signingSecret, { onReject: () => refused++ })] : []),
    expressMiddleware(apollo),
  );
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    name: definition.name,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    received,
    refused: () => refused,
    async close() {
      await apollo.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The supergraph @apollo/composition makes of these subgraphs at these URLs (throws if it does not compose). */
export function composeFixture(subgraphs: { definition: FixtureDefinition; url: string }[]): string {
  const result = composeServices(
    subgraphs.map(({ definition, url }) => ({ name: definition.name, url, typeDefs: parse(definition.typeDefs) })),
  );
  if (result.errors?.length) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl!;
}
