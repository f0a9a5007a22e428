// Monaco (GraphiQL's editor) runs its language services in web workers. They are bundled beside the
// page by build.js and served by the gateway: nothing is loaded from a CDN.
const WORKERS: Record<string, string> = { json: 'json', graphql: 'graphql' };

(globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = {
  getWorker(_workerId: string, label: string) {
    return new Worker(`/explorer/${WORKERS[label] ?? 'editor'}.worker.js`, { name: label });
  },
};
