import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

const ES_DIR = path.resolve(__dirname, '..', 'infra', 'elasticsearch');

export interface ElasticsearchNode {
  url: string;
  stop(): Promise<void>;
}

/** A port nothing listens on right now, on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * An Elasticsearch node of a test's own: the local stack's launcher (infra/elasticsearch, built by
 * `scripts/stack up`) on free loopback ports, its data in `dir`, with `-E` settings the stack's
 * node lacks (e.g. `path.repo` for snapshots). Resolves once it answers; stop() ends it.
 */
export async function startElasticsearchNode(
  dir: string,
  settings: Record<string, string> = {},
  heap = '512m',
): Promise<ElasticsearchNode> {
  const jar = path.join(ES_DIR, 'target', 'polystore-es-1.0.0.jar');
  const classpath = path.join(ES_DIR, 'target', 'classpath.txt');
  if (!existsSync(jar) || !existsSync(classpath)) {
    throw new Error(`the Elasticsearch launcher is not built (${jar}): run scripts/stack up once`);
  }
  mkdirSync(dir, { recursive: true });
  const [port, transport] = [await freePort(), await freePort()];
  // the JVM options of scripts/lib/elasticsearch.sh
  const child: ChildProcess = spawn(
    'java',
    [
      `-Xms${heap}`,
      `-Xmx${heap}`,
      '-Xss1m',
      '-XX:+UseG1GC',
      '-Dfile.encoding=UTF-8',
      '-Djava.awt.headless=true',
      '-Djna.nosys=true',
      '-Djava.locale.providers=SPI,COMPAT',
      '-Dio.netty.noUnsafe=true',
      '-Dio.netty.noKeySetOptimization=true',
      '-Dio.netty.recycler.maxCapacityPerThread=0',
      '-Dlog4j.shutdownHookEnabled=false',
      '-Dlog4j2.disable.jmx=true',
      '-Dlog4j2.formatMsgNoLookups=true',
      '-cp',
      `${jar}:${readFileSync(classpath, 'utf8').trim()}`,
      'dev.polystore.es.PolystoreEs',
      '--dir',
      dir,
      '--port',
      String(port),
      '--transport-port',
      String(transport),
      '--cluster-name',
      `test-${port}`,
      ...Object.entries(settings).flatMap(([k, v]) => ['-E', `${k}=${v}`]),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const tail: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) tail.push(line);
        if (tail.length > 20) tail.shift();
        if (line.startsWith('POLYSTORE_ES_READY')) resolve();
        if (line.startsWith('POLYSTORE_ES_FAILED')) reject(new Error(`Elasticsearch did not start: ${line}`));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`Elasticsearch exited with ${code}: ${tail.join('\n')}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  // ready for requests once the cluster has a master and its (empty) state
  const health = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=60s`);
  if (!health.ok) throw new Error(`Elasticsearch at ${url} is not healthy: ${await health.text()}`);
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(killed);
    },
  };
}
