import { Writable } from 'node:stream';
import { pino } from 'pino';
import { rateLimitedWarn } from './logger';

describe('rateLimitedWarn', () => {
  it('writes one line per kind per interval, then says how many it left out', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString('utf8')));
          done();
        },
      }),
    );
    let now = 0;
    const warn = rateLimitedWarn(logger, 10_000, () => now);
    for (let i = 0; i < 5; i++) warn('timeout', { store: 'redis' }, 'Redis command failed');
    warn('offline', { store: 'redis' }, 'Redis command failed');
    now = 10_000;
    warn('timeout', { store: 'redis' }, 'Redis command failed');
    expect(lines.map(({ store, suppressed, msg }) => ({ store, suppressed, msg }))).toEqual([
      { store: 'redis', suppressed: undefined, msg: 'Redis command failed' },
      { store: 'redis', suppressed: undefined, msg: 'Redis command failed' },
      { store: 'redis', suppressed: 4, msg: 'Redis command failed' },
    ]);
  });
});
