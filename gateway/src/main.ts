import { configOrExit, createLogger, runService } from '@polystore/platform';
import { loadGatewayConfig } from './config';
import { createGateway } from './gateway';

const config = configOrExit(() => loadGatewayConfig());
const logger = createLogger('gateway', config.LOG_LEVEL);

void runService('gateway', logger, async () => {
  const gateway = await createGateway(config, { logger });
  const address = await gateway.listen(config.PORT, config.HOST);
  logger.info({ url: `http://${address.address}:${address.port}/graphql` }, 'gateway listening');
  return gateway;
});
