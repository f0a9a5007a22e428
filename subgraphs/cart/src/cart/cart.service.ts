import { badUserInput, notFound, type Identity, type Logger } from '@polystore/platform';
import { cartItemInput, parseArgs, removeInput } from './cart.inputs';
import { MAX_QUANTITY, type CartView } from './cart.model';
import { cartOwner, type CartOwner, type OwnerSettings } from './cart.owner';
import type { CartOperation, CartRepository, CartResult } from './cart.repository';
import type { ProductDirectory } from './product-directory';

export interface CartServiceOptions extends OwnerSettings {
  maxItems: number;
  logger: Logger;
  now?: () => Date;
}

/**
 * The cart's rules. Order of every mutation: who (UNAUTHENTICATED) → arguments (BAD_USER_INPUT) →
 * the product, through the graph (NOT_FOUND / BAD_USER_INPUT) → one atomic script that checks the
 * limits against the cart as it is and writes only when they hold. Checks first, writes last: a
 * rejected request has written nothing.
 */
export class CartService {
  private readonly now: () => Date;

  constructor(
    private readonly carts: CartRepository,
    private readonly products: ProductDirectory,
    private readonly options: CartServiceOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Whose cart: resolved once per request (throws UNAUTHENTICATED without a session). */
  ownerOf(viewer: Identity): CartOwner {
    return cartOwner(viewer, this.options);
  }

  view(viewer: Identity): Promise<CartView> {
    return this.apply(this.ownerOf(viewer), { op: 'get' });
  }

  async add(viewer: Identity, args: unknown): Promise<CartView> {
    const owner = this.ownerOf(viewer);
    const { productId, quantity } = parseArgs(cartItemInput, args);
    await this.mustBeSold(productId);
    return this.apply(owner, { op: 'add', productId, quantity });
  }

  async update(viewer: Identity, args: unknown): Promise<CartView> {
    const owner = this.ownerOf(viewer);
    const { productId, quantity } = parseArgs(cartItemInput, args);
    await this.mustBeSold(productId);
    return this.apply(owner, { op: 'set', productId, quantity });
  }

  remove(viewer: Identity, args: unknown): Promise<CartView> {
    const owner = this.ownerOf(viewer);
    const { productId } = parseArgs(removeInput, args);
    return this.apply(owner, { op: 'remove', productId });
  }

  clear(viewer: Identity): Promise<CartView> {
    return this.apply(this.ownerOf(viewer), { op: 'clear' });
  }

  private async mustBeSold(productId: string): Promise<void> {
    const availability = await this.products.availability(productId);
    if (availability === 'MISSING') throw notFound('Product', productId);
    if (availability === 'ARCHIVED') {
      throw badUserInput(`Product ${productId} is no longer sold`, [{ field: 'productId', message: 'is archived' }]);
    }
  }

  private async apply(owner: CartOwner, operation: CartOperation): Promise<CartView> {
    const now = this.now();
    const result = await this.carts.apply(owner, operation, now);
    if (!result.ok) throw rejection(result, operation, this.options.maxItems);
    const { cart } = result;
    if (cart.merge.merged || cart.merge.dropped) {
      this.options.logger.info(
        { cartId: owner.cartId, merged: cart.merge.merged, dropped: cart.merge.dropped },
        'anonymous cart merged into the user cart',
      );
    }
    const empty = cart.items.length === 0;
    return {
      id: owner.cartId,
      items: cart.items,
      totalQuantity: cart.items.reduce((sum, item) => sum + item.quantity, 0),
      updatedAt: empty ? null : cart.updatedAt,
      expiresAt: empty ? null : new Date(now.getTime() + owner.ttlSeconds * 1000),
    };
  }
}

function rejection(result: Exclude<CartResult, { ok: true }>, operation: CartOperation, maxItems: number) {
  const productId = 'productId' in operation ? operation.productId : '';
  switch (result.reason) {
    case 'QUANTITY_LIMIT':
      return badUserInput(
        `A cart holds at most ${MAX_QUANTITY} of one product; it already has ${result.current} of ${productId}`,
        [{ field: 'quantity', message: `at most ${MAX_QUANTITY - result.current} more` }],
      );
    case 'ITEM_LIMIT':
      return badUserInput(`A cart holds at most ${maxItems} different products`, [
        { field: 'productId', message: 'the cart is full' },
      ]);
    case 'NOT_IN_CART':
      return notFound('Cart item', productId);
  }
}
