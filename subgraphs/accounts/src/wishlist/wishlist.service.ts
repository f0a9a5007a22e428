import { badUserInput, notFound, parseInput, type Identity } from '@polystore/platform';
import { z } from 'zod';
import type { AccountsScope } from '../context';
import { unauthenticated } from '../session/session.service';
import { id } from '../user/user.inputs';
import type { UserRecord, UserRepository } from '../user/user.repository';
import type { ProductDirectory } from './product-directory';
import { UnknownUserError, type WishlistRepository } from './wishlist.repository';

const wishlistInput = z.object({ productId: id });

/** A wishlist holds at most this many products; a bound keeps one user from growing a row set forever. */
export const WISHLIST_LIMIT = 500;

/** Wishlist rules: only the viewer's own, a bound, products that exist. Built per request (context.ts). */
export class WishlistService {
  constructor(
    private readonly scope: AccountsScope,
    private readonly wishlist: WishlistRepository,
    private readonly users: UserRepository,
    private readonly products: ProductDirectory,
  ) {}

  /** The product ids on a user's wishlist, oldest first: every user of a planner step in one query. */
  of(user: UserRecord): Promise<string[]> {
    return this.scope.loaders.wishlistByUserId.load(user.id);
  }

  /** The signed-in viewer's wishlist. Checks first, writes last: a rejected request has written nothing. */
  async add(raw: unknown): Promise<UserRecord> {
    const userId = signedIn(this.scope.viewer);
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
    return this.user(userId);
  }

  async remove(raw: unknown): Promise<UserRecord> {
    const userId = signedIn(this.scope.viewer);
    const { productId } = parseInput(wishlistInput, raw);
    if (!(await this.users.exists(userId))) throw notFound('User', userId);
    await this.wishlist.remove(userId, productId);
    return this.user(userId);
  }

  /** The user the change was made for: checked to exist above, so a null means it was deleted in between. */
  private async user(userId: string): Promise<UserRecord> {
    const user = await this.scope.loaders.userById.load(userId);
    if (user === null) throw new Error('user disappeared during the request');
    return user;
  }
}

function signedIn(viewer: Identity): string {
  if (!viewer.userId) throw unauthenticated('Sign in to keep a wishlist');
  return viewer.userId;
}
