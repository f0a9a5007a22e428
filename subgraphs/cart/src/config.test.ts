import { ConfigError } from '@polystore/platform';
import { loadCartConfig } from './config';

const required = {
  CART_REDIS_URL: 'redis://cart:pw@127.0.0.1:6379',
  CART_SIGNING_SECRET: 'x'.repeat(32),
};

describe('cart configuration', () => {
  it('defaults to port 4003, the `cart:` prefix, 30 days for users and 7 for anonymous carts, 100 products', () => {
    expect(loadCartConfig(required)).toMatchObject({
      PORT: 4003,
      CART_KEY_PREFIX: 'cart:',
      CART_USER_TTL_SECONDS: 30 * 86_400,
      CART_ANONYMOUS_TTL_SECONDS: 7 * 86_400,
      CART_MAX_ITEMS: 100,
    });
  });

  it('refuses a key prefix outside the cart ACL key space, and names every bad setting', () => {
    expect(() => loadCartConfig({ ...required, CART_KEY_PREFIX: 'acc:' })).toThrow(ConfigError);
    try {
      loadCartConfig({ CART_KEY_PREFIX: 'cart', CART_USER_TTL_SECONDS: '0' });
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'CART_KEY_PREFIX',
        'CART_REDIS_URL',
        'CART_SIGNING_SECRET',
        'CART_USER_TTL_SECONDS',
      ]);
      return;
    }
    throw new Error('expected a ConfigError');
  });
});
