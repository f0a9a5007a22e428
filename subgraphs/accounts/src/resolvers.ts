import type { GraphQLResolverMap } from '@apollo/subgraph';
import { DateTimeResolver } from 'graphql-scalars';
import { parseInput } from '@polystore/platform';
import { z } from 'zod';
import type { AccountsContext } from './context';
import type { UserRecord } from './user/user.repository';
import { id } from './user/user.inputs';

const byId = z.object({ id });

/** Thin: parse arguments, call a service or a loader, shape the answer. */
export const resolvers: GraphQLResolverMap<AccountsContext> = {
  DateTime: DateTimeResolver as never,
  Query: {
    user: (_root, args, ctx) => ctx.loaders.userById.load(parseInput(byId, args, '').id),
  },
  Mutation: {
    signUp: (_root, { input }, ctx) => ctx.services.users.signUp(input),
    addToWishlist: async (_root, { input }, ctx) => ctx.loaders.userById.load(await ctx.services.wishlist.add(input)),
    removeFromWishlist: async (_root, { input }, ctx) =>
      ctx.loaders.userById.load(await ctx.services.wishlist.remove(input)),
  },
  User: {
    __resolveReference: (reference: { id: string }, ctx: AccountsContext) => ctx.loaders.userById.load(reference.id),
    wishlist: async (user: UserRecord, _args: unknown, ctx: AccountsContext) =>
      (await ctx.loaders.wishlistByUserId.load(user.id)).map((productId) => ({ __typename: 'Product', id: productId })),
  },
};
