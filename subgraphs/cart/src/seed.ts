import type { Redis } from 'ioredis';
import { cartOwner } from './cart/cart.owner';
import { CartRepository } from './cart/cart.repository';

export interface SeedCart {
  userId: string;
  items: { productId: string; quantity: number }[];
}

/**
 * Sample carts for signed-in users, written by the cart's own repository (its one Lua script, so
 * the layout is the service's), only for users who have no cart yet.
 */
export async function writeCartsSample(
  redis: Redis,
  carts: SeedCart[],
  settings: { keyPrefix: string; userTtlSeconds: number; anonymousTtlSeconds: number; maxItems: number },
  onProgress: (written: number) => void,
): Promise<number> {
  const repository = new CartRepository(redis, { maxItems: settings.maxItems, maxQuantity: 99 });
  let written = 0;
  for (const cart of carts) {
    const owner = cartOwner({ roles: ['customer'], userId: cart.userId }, settings);
    if ((await redis.exists(owner.key)) === 1) continue;
    for (const item of cart.items) {
      await repository.apply(owner, { op: 'add', productId: item.productId, quantity: item.quantity }, new Date());
    }
    written++;
    onProgress(1);
  }
  return written;
}
