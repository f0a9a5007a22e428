import type { Redis } from 'ioredis';
import { redisCall } from '@polystore/platform';
import type { CartLine } from './cart.model';
import { CART_SCRIPT } from './cart.script';

export type CartOperation =
  | { op: 'get' }
  | { op: 'add'; productId: string; quantity: number }
  | { op: 'set'; productId: string; quantity: number }
  | { op: 'remove'; productId: string }
  | { op: 'clear' };

export interface StoredCart {
  /** Oldest first (addedAt, then product id). */
  items: CartLine[];
  /** Null when the cart is empty (and so not stored). */
  updatedAt: Date | null;
  /** What a merge of an anonymous cart did in this call (both 0 when there was none). */
  merge: { merged: number; dropped: number };
}

export type CartResult =
  | { ok: true; cart: StoredCart }
  | { ok: false; reason: 'QUANTITY_LIMIT'; current: number }
  | { ok: false; reason: 'ITEM_LIMIT'; count: number }
  | { ok: false; reason: 'NOT_IN_CART' };

export interface CartTarget {
  key: string;
  ttlSeconds: number;
  mergeFrom?: string;
}

type CartCommand = (numberOfKeys: number, ...args: (string | number)[]) => Promise<string[]>;

/** The only code that touches the cart's Redis keys: one script call per operation. */
export class CartRepository {
  private readonly run: CartCommand;

  constructor(
    redis: Redis,
    private readonly limits: { maxItems: number; maxQuantity: number },
  ) {
    if (!('cartOperation' in redis)) redis.defineCommand('cartOperation', { lua: CART_SCRIPT });
    const command = (redis as unknown as { cartOperation: CartCommand }).cartOperation;
    this.run = command.bind(redis);
  }

  /**
   * One atomic round trip: merge (when asked), apply, refresh the TTL, return the whole cart.
   * Redis not answering: SERVICE_UNAVAILABLE, at once (the cart has no other copy).
   */
  async apply(target: CartTarget, operation: CartOperation, now: Date): Promise<CartResult> {
    const keys = target.mergeFrom ? [target.key, target.mergeFrom] : [target.key];
    const reply = await redisCall(() =>
      this.run(
        keys.length,
        ...keys,
        operation.op,
        now.getTime(),
        target.ttlSeconds * 1000,
        this.limits.maxItems,
        this.limits.maxQuantity,
        'productId' in operation ? operation.productId : '',
        'quantity' in operation ? operation.quantity : 0,
      ),
    );
    const [status, ...rest] = reply;
    switch (status) {
      case 'OK':
        return { ok: true, cart: decode(rest) };
      case 'QUANTITY_LIMIT':
        return { ok: false, reason: status, current: Number(rest[0]) };
      case 'ITEM_LIMIT':
        return { ok: false, reason: status, count: Number(rest[0]) };
      case 'NOT_IN_CART':
        return { ok: false, reason: status };
      default:
        throw new Error(`unexpected reply from the cart script: ${String(status)}`);
    }
  }
}

function decode([updatedAt, merged, dropped, ...flat]: string[]): StoredCart {
  const items: CartLine[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) {
    items.push({ productId: flat[i]!, quantity: Number(flat[i + 1]), addedAt: new Date(Number(flat[i + 2])) });
  }
  items.sort(
    (a, b) =>
      a.addedAt.getTime() - b.addedAt.getTime() || (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0),
  );
  return {
    items,
    updatedAt: updatedAt ? new Date(Number(updatedAt)) : null,
    merge: { merged: Number(merged ?? 0), dropped: Number(dropped ?? 0) },
  };
}
