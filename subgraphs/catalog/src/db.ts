import mongoose, { type Connection, type MongooseQueryMiddleware, type Query, type Schema } from 'mongoose';
import { StoreGuard, type Logger, type ServiceMetrics } from '@polystore/platform';

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
 * can hold several). Indexes and collections are created by migrations, never by mongoose. No
 * command waits for a lost connection to come back: mongoose's buffering is off, and the driver
 * gives up selecting a server after 2 s (the guard, `mongoGuard`, refuses at once after that).
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
    bufferCommands: false,
    serverSelectionTimeoutMS: 2_000,
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

/** The driver's errors for "no server to talk to" or "the connection broke". */
const UNREACHABLE = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoPoolClearedError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoServerClosedError',
]);
/** Server codes for a server shutting down or not (yet) serving: ShutdownInProgress, InterruptedAtShutdown, NotWritablePrimary, ... */
const NOT_SERVING = new Set([91, 11600, 11602, 10107, 13435, 13436, 189]);
/** FerretDB answers InternalError (1) with these when the PostgreSQL it stores into cannot be reached. */
const FERRETDB_BACKEND_DOWN =
  /failed to connect to|SQLSTATE (08[0-9A-Z]{3}|57P0[123])|connection refused|unexpected EOF|conn closed/;

/** Whether an error from mongoose or the MongoDB driver says the server (or FerretDB's own store) could not be reached. */
export function isMongoUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (UNREACHABLE.has(error.name)) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'number') return false;
  return NOT_SERVING.has(code) || (code === 1 && FERRETDB_BACKEND_DOWN.test(error.message));
}

const guards = new WeakMap<Connection, StoreGuard>();

/**
 * The guard of the catalog's MongoDB (docs/adr/0011), told by the driver itself when it loses or
 * regains the server (its monitor notices within a heartbeat), and by the errors of calls.
 * `refuseWhileDown` makes every model call on this connection go through it.
 */
export function mongoGuard(connection: Connection, deps: { logger: Logger; metrics: ServiceMetrics }): StoreGuard {
  const guard = new StoreGuard({
    store: 'mongodb',
    isUnavailable: isMongoUnavailable,
    probe: () => connection.db!.command({ ping: 1 }),
    ...deps,
  });
  const client = connection.getClient();
  client.on('serverHeartbeatFailed', (event) => guard.markDown(event.failure));
  client.on('serverDescriptionChanged', (event) => {
    if (event.newDescription.type === 'Unknown') guard.markDown(event.newDescription.error ?? 'server unknown');
  });
  guards.set(connection, guard);
  return guard;
}

const QUERIES: MongooseQueryMiddleware[] = [
  'countDocuments',
  'estimatedDocumentCount',
  'distinct',
  'find',
  'findOne',
  'findOneAndDelete',
  'findOneAndReplace',
  'findOneAndUpdate',
  'deleteMany',
  'deleteOne',
  'replaceOne',
  'updateMany',
  'updateOne',
];

/**
 * A schema plugin: every query, aggregation and save on a connection with a guard is refused at
 * once (SERVICE_UNAVAILABLE) while its guard knows the store down, instead of waiting out the
 * driver's server selection.
 */
export function refuseWhileDown(schema: Schema): void {
  schema.pre(QUERIES, function (this: Query<unknown, unknown>) {
    guards.get(this.model.db)?.assertAvailable();
  });
  schema.pre('aggregate', function () {
    guards.get(this.model().db)?.assertAvailable();
  });
  schema.pre('save', function () {
    guards.get(this.$model().db)?.assertAvailable();
  });
}
