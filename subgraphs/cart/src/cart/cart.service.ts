import { badUserInput, notFound, type Logger } from '@polystore/platform';
import type { CartScope } from '../context';
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
 * rejected request has written nothing. Built per request (context.ts), bound to its viewer (whose
 * cart) and its loaders.
 */
export class CartService {
  private readonly now: () => Date;

  constructor(
    private readonly scope: CartScope,
    private readonly carts: CartRepository,
    private readonly products: ProductDirectory,
    private readonly options: CartServiceOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Whose cart: the viewer's (throws UNAUTHENTICATED without a session). */
  private owner(): CartOwner {
    return cartOwner(this.scope.viewer, this.options);
  }

  /** The viewer's cart: one script call per request, however often it is selected. */
  async view(): Promise<CartView> {
    const owner = this.owner();
    const { result, at } = await this.scope.loaders.cartByOwner.load(owner);
    return this.settle(owner, { op: 'get' }, result, at);
  }

  async add(args: unknown): Promise<CartView> {
    const owner = this.owner();
    const { productId, quantity } = parseArgs(cartItemInput, args);
    await this.mustBeSold(productId);
    return this.apply(owner, { op: 'add', productId, quantity });
  }

  async update(args: unknown): Promise<CartView> {
    const owner = this.owner();
    const { productId, quantity } = parseArgs(cartItemInput, args);
    await this.mustBeSold(productId);
    return this.apply(owner, { op: 'set', productId, quantity });
  }

  remove(args: unknown): Promise<CartView> {
    const owner = this.owner();
    const { productId } = parseArgs(removeInput, args);
    return this.apply(owner, { op: 'remove', productId });
  }

  clear(): Promise<CartView> {
    return this.apply(this.owner(), { op: 'clear' });
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
    return this.settle(owner, operation, await this.carts.apply(owner, operation, now), now);
  }

  /** What the script answered, as the API shows it (or the coded error for a refusal). */
  private settle(owner: CartOwner, operation: CartOperation, result: CartResult, now: Date): CartView {
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
