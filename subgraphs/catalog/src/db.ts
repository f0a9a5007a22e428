import mongoose, { type Connection } from 'mongoose';
import type { ServiceMetrics } from '@polystore/platform';

/** Commands that read or write data; handshakes and heartbeats are not store round trips. */
const DATA_COMMANDS = new Set([
  'find',
  'getMore',
  'insert',
  'update',
  'delete',
  'findAndModify',
  'aggregate',
  'count',
  'distinct',
  'createIndexes',
  'create',
  'drop',
  'dropDatabase',
  'listIndexes',
  'listCollections',
]);

/**
 * One mongoose connection per service instance (never the global default connection, so tests
 * can hold several). Indexes and collections are created by migrations, never by mongoose.
 */
export async function connectMongo(options: {
  url: string;
  dbName: string;
  poolSize: number;
  metrics: ServiceMetrics;
}): Promise<Connection> {
  const connection = mongoose.createConnection(options.url, {
    dbName: options.dbName,
    maxPoolSize: options.poolSize,
    autoIndex: false,
    autoCreate: false,
    serverSelectionTimeoutMS: 5_000,
    monitorCommands: true,
  });
  connection.getClient().on('commandStarted', (event) => {
    if (DATA_COMMANDS.has(event.commandName)) {
      options.metrics.storeCommands.inc({ store: 'mongodb', operation: event.commandName });
    }
  });
  await connection.asPromise();
  return connection;
}

/** The database name: explicit setting, else MONGO_URL's path, else `catalog`. */
export function databaseName(url: string, explicit?: string): string {
  if (explicit) return explicit;
  const path = new URL(url.replace(/^mongodb(\+srv)?:/, 'http:')).pathname.replace(/^\//, '');
  return path || 'catalog';
}
