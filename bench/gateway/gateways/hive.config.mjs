// Hive Gateway (Node) configuration for bench/gateway. Telemetry: none is configured (no Hive or
// GraphOS reporting token, no OpenTelemetry), so it reports nowhere. HIVE_DEDUPE selects its
// in-flight dedupe:
//   off       no dedupe: neither of subgraph requests nor of client requests
//   outbound  its default: identical concurrent subgraph queries sent once
//   all       outbound and inbound (identical concurrent client requests executed once), as the
//             public gateway benchmark (graphql-hive/graphql-gateways-benchmark) runs it
import { defineConfig } from '@graphql-hive/gateway';

const mode = process.env.HIVE_DEDUPE ?? 'outbound';
if (!['off', 'outbound', 'all'].includes(mode)) throw new Error(`HIVE_DEDUPE: ${mode} is not off|outbound|all`);

export const gatewayConfig = defineConfig({
  ...(mode === 'off' ? { transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } } } : {}),
  ...(mode === 'all' ? { inboundInflightRequestDeduplication: true } : {}),
});
