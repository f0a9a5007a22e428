import { readFileSync } from 'node:fs';
import path from 'node:path';
import { declaredMaxLen, positionBefore } from './redis-streams-bus';
import { DEAD_LETTER_MAX_LEN, deadLetterKey, STREAMS, streamKey, streamNamed, streamOf } from './streams';
import { isNewer } from './versioned';
import { WakeUp } from './wake-up';

/** Redis Cluster's slot of a key: CRC16 of its hash tag (the part in the first {…}) mod 16384. */
function slot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const tagged = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(tagged)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

describe('stream declarations', () => {
  it("keep a stream, its dead-letter streams and a test namespace's copy in one cluster slot", () => {
    for (const stream of STREAMS) {
      const keys = [stream.key, streamKey(stream, 't_abc'), ...stream.groups.map((g) => deadLetterKey(stream.key, g))];
      expect(new Set(keys.map(slot)).size).toBe(1);
      expect(stream.key).toMatch(/^events:\{[a-z]+\}:[a-z]+$/);
    }
  });

  it('route an event to its source’s stream of its aggregate', () => {
    expect(streamOf({ source: 'catalog', aggregateType: 'Product' }).key).toBe('events:{catalog}:product');
    expect(streamKey(streamNamed('accounts.user'), 't_x')).toBe('events:t_x:{accounts}:user');
    expect(() => streamOf({ source: 'cart', aggregateType: 'Cart' })).toThrow('no stream cart.cart');
  });

  it('trim each stream to its declared retention, also under a test namespace', () => {
    expect(declaredMaxLen('events:{catalog}:product')).toBe(streamNamed('catalog.product').maxLen);
    expect(declaredMaxLen('events:t_x:{accounts}:user')).toBe(streamNamed('accounts.user').maxLen);
    expect(declaredMaxLen('events:{nowhere}:thing', 7)).toBe(7);
  });

  it('are the streams, groups and retention m2m/README.md declares', () => {
    const m2m = readFileSync(path.resolve(__dirname, '../../../../m2m/README.md'), 'utf8');
    const rows = [
      ...m2m.matchAll(/^\|\s*`(events:[^`]+)`\s*\|\s*(stream|consumer group)\s*\|([^|]*)\|([^|]*)\|/gm),
    ].map(([, name, kind, , retention]) => ({ name: name!, kind: kind!, retention: retention!.trim() }));
    const expected = STREAMS.flatMap((s) => [
      { name: s.key, kind: 'stream', retention: `about ${s.maxLen.toLocaleString('en')} entries (XADD MAXLEN ~)` },
      ...s.groups.flatMap((g) => [
        { name: `${s.key} ${g}`, kind: 'consumer group', retention: 'with the stream' },
        {
          name: deadLetterKey(s.key, g),
          kind: 'stream',
          retention: `about ${DEAD_LETTER_MAX_LEN.toLocaleString('en')} entries (XADD MAXLEN ~)`,
        },
      ]),
    ]);
    expect(rows).toEqual(expected);
  });
});

describe('stream positions', () => {
  it('steps back one entry, so a rewind delivers the entry it names', () => {
    expect(positionBefore('1700000000000-5')).toBe('1700000000000-4');
    expect(positionBefore('1700000000000-0')).toBe('1699999999999-18446744073709551615');
    expect(positionBefore('0-0')).toBe('0-0');
  });
});

describe('isNewer', () => {
  it('takes the first version of an aggregate and only later ones after it', () => {
    expect(isNewer(null, { aggregateVersion: 1 })).toBe(true);
    expect(isNewer(3, { aggregateVersion: 4 })).toBe(true);
    expect(isNewer(3, { aggregateVersion: 3 })).toBe(false);
    expect(isNewer(3, { aggregateVersion: 2 })).toBe(false);
  });
});

describe('WakeUp', () => {
  const tick = () => new Promise<string>((resolve) => setImmediate(() => resolve('still waiting')));

  it('ends a wait early when woken', async () => {
    const wakeUp = new WakeUp();
    const waiting = wakeUp.wait(60_000).then(() => 'woken');
    wakeUp.wake();
    expect(await Promise.race([waiting, tick()])).toBe('woken');
  });

  it('keeps a wake-up that came while nobody waited for the next wait', async () => {
    const wakeUp = new WakeUp();
    wakeUp.wake();
    expect(await Promise.race([wakeUp.wait(60_000).then(() => 'woken'), tick()])).toBe('woken');
    expect(await Promise.race([wakeUp.wait(10).then(() => 'woken'), tick()])).toBe('still waiting');
  });
});
