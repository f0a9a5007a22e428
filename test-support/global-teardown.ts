import { assertNoEgress } from './egress';

/** After the integration and end-to-end suites: fail the run if any of its processes left loopback. */
export default function globalTeardown(): void {
  assertNoEgress();
}
