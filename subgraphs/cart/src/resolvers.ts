import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from './generated/graphql';

/** Thin: the viewer and the arguments go to the service, which validates and answers. */
export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  Query: {
    cart: (_root, _args, ctx) => ctx.loaders.viewerCart.load('viewer'),
  },
  Mutation: {
    addToCart: (_root, args, ctx) => ctx.services.carts.add(ctx.viewer, args),
    updateCartItem: (_root, args, ctx) => ctx.services.carts.update(ctx.viewer, args),
    removeFromCart: (_root, args, ctx) => ctx.services.carts.remove(ctx.viewer, args),
    clearCart: (_root, _args, ctx) => ctx.services.carts.clear(ctx.viewer),
  },
  CartItem: {
    product: (item) => ({ __typename: 'Product' as const, id: item.productId }),
  },
};
