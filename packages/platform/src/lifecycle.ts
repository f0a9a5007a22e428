import type { Logger } from './logger';
import type { WorkerSupervisor } from './worker';

/**
 * Run a service until SIGINT or SIGTERM, then stop it gracefully: stop accepting work, finish
 * what is in flight, close stores. A second signal, or a stop that hangs, exits at once.
 * Its background workers (outbox relay, consumers) start once `start` has the stores ready, and
 * drain (finish the batch in hand, claim nothing new) before the service stops and its stores close.
 */
export async function runService(
  name: string,
  logger: Logger,
  start: () => Promise<{ stop: () => Promise<void>; workers?: WorkerSupervisor }>,
  { stopTimeoutMs = 20_000 } = {},
): Promise<void> {
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  let running: { stop: () => Promise<void> };
  try {
    const started = await start();
    const { workers } = started;
    running = workers
      ? {
          async stop() {
            await workers.stop();
            await started.stop();
          },
        }
      : started;
    workers?.start();
  } catch (error) {
    logger.fatal({ err: error }, `${name} could not start`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, `${name} stopping`);
    const timer = setTimeout(() => {
      logger.error(`${name} did not stop within ${stopTimeoutMs} ms; exiting`);
      process.exit(1);
    }, stopTimeoutMs);
    timer.unref();
    running.stop().then(
      () => {
        logger.info(`${name} stopped`);
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, `${name} failed to stop cleanly`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
