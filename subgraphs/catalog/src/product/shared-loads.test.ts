import { SharedLoads } from './shared-loads';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SharedLoads', () => {
  it('sends one query for keys that concurrent requests ask for together', async () => {
    const loads = new SharedLoads<string>();
    const first = deferred<Map<string, string>>();
    const fetched: string[][] = [];
    const fetch = (keys: string[]) => {
      fetched.push(keys);
      return fetched.length === 1 ? first.promise : Promise.resolve(new Map(keys.map((k) => [k, `v${k}`])));
    };

    const a = loads.load(['1', '2'], fetch);
    const b = loads.load(['2', '3', '3'], fetch);
    expect(fetched).toEqual([['1', '2'], ['3']]);
    first.resolve(
      new Map([
        ['1', 'v1'],
        ['2', 'v2'],
      ]),
    );

    expect(await a).toEqual(
      new Map([
        ['1', 'v1'],
        ['2', 'v2'],
      ]),
    );
    expect(await b).toEqual(
      new Map([
        ['2', 'v2'],
        ['3', 'v3'],
      ]),
    );
    expect(loads.inFlight).toBe(0);
  });

  it('leaves out keys the store did not have', async () => {
    const loads = new SharedLoads<string>();
    const found = await loads.load(['1', 'gone'], async () => new Map([['1', 'v1']]));
    expect(found).toEqual(new Map([['1', 'v1']]));
  });

  it('keeps nothing once a load settles: the next request queries again', async () => {
    const loads = new SharedLoads<number>();
    let calls = 0;
    const fetch = async (keys: string[]) => new Map(keys.map((k) => [k, ++calls]));
    expect((await loads.load(['1'], fetch)).get('1')).toBe(1);
    expect((await loads.load(['1'], fetch)).get('1')).toBe(2);
  });

  it('gives a failed load to every waiter and lets the next request retry', async () => {
    const loads = new SharedLoads<string>();
    const failing = deferred<Map<string, string>>();
    const a = loads.load(['1'], () => failing.promise);
    const b = loads.load(['1'], () => Promise.reject(new Error('must not be called')));
    failing.reject(new Error('store down'));
    await expect(a).rejects.toThrow('store down');
    await expect(b).rejects.toThrow('store down');
    expect(loads.inFlight).toBe(0);
    expect(await loads.load(['1'], async () => new Map([['1', 'back']]))).toEqual(new Map([['1', 'back']]));
  });
});
