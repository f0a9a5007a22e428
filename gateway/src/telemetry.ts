import { z } from 'zod';

export const telemetryEnv = {
  /**
   * Apollo's own telemetry of @apollo/gateway (docs/egress.md): off unless this is true, whatever
   * APOLLO_TELEMETRY_DISABLED says. Polystore never sends data to a third party on its own.
   */
  GATEWAY_APOLLO_TELEMETRY: z.stringbool().default(false),
};

/**
 * Runs `construct` (the ApolloGateway constructor) with Apollo's telemetry as Polystore decides it.
 *
 * @apollo/gateway 2.14, in its constructor, starts an OpenTelemetry metrics exporter to
 * https://usage-reporting.api.apollographql.com (sent hourly and at shutdown) and runs cloud resource
 * detectors that call AWS, GCP, Azure and Alibaba metadata addresses (169.254.169.254,
 * metadata.google.internal, 100.100.100.200) unless `process.env.APOLLO_TELEMETRY_DISABLED` is `true`
 * or `1` at that moment, and reads the variable nowhere else (node_modules/@apollo/gateway/dist/index.js).
 * So the variable is set for the constructor only, and what the environment held is put back.
 */
export function withApolloTelemetry<T>(enabled: boolean, construct: () => T): T {
  const given = process.env['APOLLO_TELEMETRY_DISABLED'];
  if (enabled) delete process.env['APOLLO_TELEMETRY_DISABLED'];
  else process.env['APOLLO_TELEMETRY_DISABLED'] = 'true';
  try {
    return construct();
  } finally {
    if (given === undefined) delete process.env['APOLLO_TELEMETRY_DISABLED'];
    else process.env['APOLLO_TELEMETRY_DISABLED'] = given;
  }
}
