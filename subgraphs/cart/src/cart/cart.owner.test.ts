import { cartOwner } from './cart.owner';

const settings = { keyPrefix: 'cart:', userTtlSeconds: 2_592_000, anonymousTtlSeconds: 604_800 };
const USER = '0190a0b0-0000-7000-8000-000000000001';
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code;
  }
  return 'no error';
};

describe('cartOwner', () => {
  it('gives an anonymous session its own cart, keyed by a hash of the session id, with the anonymous TTL', () => {
    const owner = cartOwner({ roles: [], sessionId: 'secret-session-token' }, settings);
    expect(owner).toMatchObject({ kind: 'session', ttlSeconds: 604_800 });
    expect(owner.key).toMatch(/^cart:s:[A-Za-z0-9_-]{43}$/);
    expect(owner.key).not.toContain('secret-session-token');
    expect(owner.mergeFrom).toBeUndefined();
  });

  it('gives a signed-in user the user cart, with the user TTL, and names the session cart to merge', () => {
    const anonymous = cartOwner({ roles: [], sessionId: 'sess-1' }, settings);
    const owner = cartOwner({ roles: ['customer'], userId: USER, sessionId: 'sess-1' }, settings);
    expect(owner).toMatchObject({ kind: 'user', key: `cart:u:${USER}`, ttlSeconds: 2_592_000 });
    expect(owner.mergeFrom).toBe(anonymous.key);
    expect(cartOwner({ roles: [], userId: USER }, settings).mergeFrom).toBeUndefined();
  });

  it('derives a stable cart id per owner that differs between owners and reveals no session id', () => {
    const a = cartOwner({ roles: [], sessionId: 'sess-a' }, settings).cartId;
    expect(cartOwner({ roles: [], sessionId: 'sess-a' }, settings).cartId).toBe(a);
    expect(cartOwner({ roles: [], sessionId: 'sess-b' }, settings).cartId).not.toBe(a);
    expect(cartOwner({ roles: [], userId: USER }, settings).cartId).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('keeps keys under the configured prefix (a test namespace inside cart:*)', () => {
    const owner = cartOwner({ roles: [], userId: USER, sessionId: 's' }, { ...settings, keyPrefix: 'cart:t_x:' });
    expect(owner.key.startsWith('cart:t_x:u:')).toBe(true);
    expect(owner.mergeFrom!.startsWith('cart:t_x:s:')).toBe(true);
  });

  it('refuses with UNAUTHENTICATED a viewer with neither session nor user, or with a malformed one', () => {
    expect(code(() => cartOwner({ roles: [] }, settings))).toBe('UNAUTHENTICATED');
    expect(code(() => cartOwner({ roles: [], userId: 'user-1' }, settings))).toBe('UNAUTHENTICATED');
    expect(code(() => cartOwner({ roles: [], sessionId: '' }, settings))).toBe('UNAUTHENTICATED');
    expect(code(() => cartOwner({ roles: [], sessionId: 'x'.repeat(513) }, settings))).toBe('UNAUTHENTICATED');
  });
});
