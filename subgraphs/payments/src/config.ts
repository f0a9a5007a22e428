import os from 'node:os';
import { z } from 'zod';
import { baseEnv, defaultPoolSize, loadConfig, port, signingSecret, urlWithScheme } from '@polystore/platform';

export const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;

export const paymentsEnv = {
  ...baseEnv,
  PORT: port(4005),
  /** Shared with the gateway, which signs every request it sends here. */
  PAYMENTS_SIGNING_SECRET: signingSecret(),
  /** The service's own role (DML only); migrations use PAYMENTS_MIGRATE_DATABASE_URL. */
  PAYMENTS_DATABASE_URL: urlWithScheme('postgresql', 'postgres'),
  PAYMENTS_DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(defaultPoolSize(os.availableParallelism())),
  /** Payments are taken in this currency only. */
  STORE_CURRENCY: z.enum(CURRENCIES).default('EUR'),
  /** The card processor: `simulated` (documented test cards; README) is the only one so far. */
  PAYMENTS_PROCESSOR: z.enum(['simulated']).default('simulated'),
  /** How long a call to the processor may take before the attempt is given up (and cancelled). */
  PAYMENTS_PROCESSOR_TIMEOUT_MS: z.coerce.number().int().min(50).max(120_000).default(10_000),
  /**
   * Ed25519 public key (base64 SPKI DER) of orders' checkout tokens: payments verifies them and
   * cannot make them (orders holds the private key). See docs/adr/0006.
   */
  PAYMENTS_CHECKOUT_PUBLIC_KEY: z.string().min(40, 'must be a base64 SPKI Ed25519 public key'),
};

export type PaymentsConfig = ReturnType<typeof loadPaymentsConfig>;

export function loadPaymentsConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig('payments', paymentsEnv, env);
}
