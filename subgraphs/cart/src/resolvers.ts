import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from './generated/graphql';

/** Thin: each field calls the request's service (bound to the viewer), which validates and answers. */
export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  Query: {
    cart: (_root, _args, ctx) => ctx.services.carts.view(),
  },
  Mutation: {
    addToCart: (_root, args, ctx) => ctx.services.carts.add(args),
    updateCartItem: (_root, args, ctx) => ctx.services.carts.update(args),
    removeFromCart: (_root, args, ctx) => ctx.services.carts.remove(args),
    clearCart: (_root, _args, ctx) => ctx.services.carts.clear(),
  },
  CartItem: {
    product: (item) => ({ __typename: 'Product' as const, id: item.productId }),
  },
};
