import { badUserInput, notFound, parseInput } from '@polystore/platform';
import { z } from 'zod';
import { id } from '../user/user.inputs';
import type { UserRepository } from '../user/user.repository';
import type { ProductDirectory } from './product-directory';
import { UnknownUserError, type WishlistRepository } from './wishlist.repository';

const wishlistInput = z.object({ userId: id, productId: id });

/** A wishlist holds at most this many products; a bound keeps one user from growing a row set forever. */
export const WISHLIST_LIMIT = 500;

export class WishlistService {
  constructor(
    private readonly wishlist: WishlistRepository,
    private readonly users: UserRepository,
    private readonly products: ProductDirectory,
  ) {}

  /** Checks first, writes last: a rejected request has written nothing. */
  async add(raw: unknown): Promise<string> {
    const { userId, productId } = parseInput(wishlistInput, raw);
    if (!(await this.users.exists(userId))) throw notFound('User', userId);
    if (!(await this.products.exists(productId))) throw notFound('Product', productId);
    if ((await this.wishlist.count(userId)) >= WISHLIST_LIMIT) {
      throw badUserInput(`A wishlist holds at most ${WISHLIST_LIMIT} products`, [
        { field: 'input.productId', message: 'wishlist is full' },
      ]);
    }
    try {
      await this.wishlist.add(userId, productId);
    } catch (error) {
      if (error instanceof UnknownUserError) throw notFound('User', userId);
      throw error;
    }
    return userId;
  }

  async remove(raw: unknown): Promise<string> {
    const { userId, productId } = parseInput(wishlistInput, raw);
    if (!(await this.users.exists(userId))) throw notFound('User', userId);
    await this.wishlist.remove(userId, productId);
    return userId;
  }
}
