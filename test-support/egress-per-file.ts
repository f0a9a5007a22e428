import * as guard from './egress-guard';

// Every integration and e2e test file (setupFilesAfterEnv): the file fails when anything in its
// process tried to leave loopback while it ran, with the destinations and the code that tried.
// The worker has the guard from its first line (NODE_OPTIONS, test-support/egress.ts); installing
// here covers a run in band, in jest's own process.
guard.install();
const before = guard.attempts().length;

afterAll(() => {
  const made = guard.attempts().slice(before);
  if (made.length) {
    throw new Error(`this test file's process tried to leave loopback (refused):\n${guard.report(made)}`);
  }
});
