/** One product in a cart: what the cart stores about it (never its price: catalog owns prices). */
export interface CartLine {
  productId: string;
  quantity: number;
  addedAt: Date;
}

/** A cart as the API shows it. */
export interface CartView {
  id: string;
  /** Oldest first (by addedAt, then product id). */
  items: CartLine[];
  totalQuantity: number;
  /** Null while the cart is empty: an empty cart is not stored. */
  updatedAt: Date | null;
  expiresAt: Date | null;
}

/** The most of one product a cart holds (the rule: quantities 1..99). */
export const MAX_QUANTITY = 99;
