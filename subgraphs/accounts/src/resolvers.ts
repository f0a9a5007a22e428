import { DateTimeResolver } from 'graphql-scalars';
import { parseInput } from '@polystore/platform';
import type { Resolvers } from './generated/graphql';
import { id } from './user/user.inputs';

/** Thin: parse arguments, call a service or a loader, shape the answer. */
export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  Query: {
    user: (_root, args, ctx) => ctx.loaders.userById.load(parseInput(id, args.id, 'id')),
  },
  Mutation: {
    signUp: (_root, { input }, ctx) => ctx.services.users.signUp(input),
    addToWishlist: async (_root, { input }, ctx) =>
      mustExist(await ctx.loaders.userById.load(await ctx.services.wishlist.add(input))),
    removeFromWishlist: async (_root, { input }, ctx) =>
      mustExist(await ctx.loaders.userById.load(await ctx.services.wishlist.remove(input))),
  },
  User: {
    __resolveReference: (reference, ctx) => ctx.loaders.userById.load(reference.id),
    wishlist: async (user, _args, ctx) =>
      (await ctx.loaders.wishlistByUserId.load(user.id)).map((productId) => ({
        __typename: 'Product' as const,
        id: productId,
      })),
  },
};

/** The service checked the user exists; a null here means it was deleted in between. */
function mustExist<T>(value: T | null): T {
  if (value === null) throw new Error('user disappeared during the request');
  return value;
}
