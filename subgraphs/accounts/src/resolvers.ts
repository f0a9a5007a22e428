import { DateTimeResolver } from 'graphql-scalars';
import { AppError, ErrorCode, mayActFor, parseInput } from '@polystore/platform';
import { unauthenticated } from './session/session.service';
import type { Resolvers } from './generated/graphql';
import { id } from './user/user.inputs';

/** Thin: parse arguments, call a service or a loader, shape the answer. */
export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  Query: {
    me: (_root, _args, ctx) => (ctx.viewer.userId ? ctx.loaders.userById.load(ctx.viewer.userId) : null),
    user: (_root, args, ctx) => {
      const userId = parseInput(id, args.id, 'id');
      if (!ctx.viewer.userId) throw unauthenticated();
      if (!mayActFor(ctx.viewer, userId)) {
        throw new AppError(ErrorCode.FORBIDDEN, 'Only the user themself may read this user');
      }
      return ctx.loaders.userById.load(userId);
    },
  },
  Mutation: {
    signUp: (_root, { input }, ctx) => ctx.services.users.signUp(input, ctx.viewer),
    signIn: async (_root, { input }, ctx) => {
      const { user, grant } = await ctx.services.sessions.signIn(input, ctx.viewer);
      ctx.sessionGrants.add(grant);
      return { user, sessionExpiresAt: new Date(grant.issued!.sessionExpiresAt) };
    },
    signOut: async (_root, _args, ctx) => {
      const { ended, grant } = await ctx.services.sessions.signOut(ctx.viewer);
      ctx.sessionGrants.add(grant);
      return ended;
    },
    signOutEverywhere: async (_root, _args, ctx) => {
      const { count, grant } = await ctx.services.sessions.signOutEverywhere(ctx.viewer);
      ctx.sessionGrants.add(grant);
      return count;
    },
    addToWishlist: async (_root, { input }, ctx) =>
      mustExist(await ctx.loaders.userById.load(await ctx.services.wishlist.add(ctx.viewer, input))),
    removeFromWishlist: async (_root, { input }, ctx) =>
      mustExist(await ctx.loaders.userById.load(await ctx.services.wishlist.remove(ctx.viewer, input))),
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
