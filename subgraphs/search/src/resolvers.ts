import type { Resolvers } from './generated/graphql';

/** Thin: the request's service validates and searches; a hit's product is only a reference for the gateway. */
export const resolvers: Resolvers = {
  Query: {
    searchProducts: (_root, args, ctx) => ctx.services.search.search(args),
  },
  SearchHit: {
    product: (hit) => ({ id: hit.productId }),
  },
};
