import { badUserInput, notFound, parseInput, type Identity } from '@polystore/platform';
import { z } from 'zod';
import { unauthenticated } from '../session/session.service';
import { id } from '../user/user.inputs';
import type { UserRepository } from '../user/user.repository';
import type { ProductDirectory } from './product-directory';
import { UnknownUserError, type WishlistRepository } from './wishlist.repository';

const wishlistInput = z.object({ productId: id });

/** A wishlist holds at most this many products; a bound keeps one user from growing a row set forever. */
export const WISHLIST_LIMIT = 500;

export class WishlistService {
  constructor(
    private readonly wishlist: WishlistRepository,
    private readonly users: UserRepository,
    private readonly products: ProductDirectory,
  ) {}

  /** The signed-in viewer's wishlist. Checks first, writes last: a rejected request has written nothing. */
  async add(viewer: Identity, raw: unknown): Promise<string> {
    const userId = signedIn(viewer);
    const { productId } = parseInput(wishlistInput, raw);
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

  async remove(viewer: Identity, raw: unknown): Promise<string> {
    const userId = signedIn(viewer);
    const { productId } = parseInput(wishlistInput, raw);
    if (!(await this.users.exists(userId))) throw notFound('User', userId);
    await this.wishlist.remove(userId, productId);
    return userId;
  }
}

function signedIn(viewer: Identity): string {
  if (!viewer.userId) throw unauthenticated('Sign in to keep a wishlist');
  return viewer.userId;
}
