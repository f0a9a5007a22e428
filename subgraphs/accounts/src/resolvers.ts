import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from './generated/graphql';

/** Thin: each field calls the request's service and maps the record it returns to the schema's shape. */
export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  Query: {
    me: (_root, _args, ctx) => ctx.services.users.me(),
    user: (_root, args, ctx) => ctx.services.users.byId(args.id),
  },
  Mutation: {
    signUp: (_root, { input }, ctx) => ctx.services.users.signUp(input),
    signIn: (_root, { input }, ctx) => ctx.services.sessions.signIn(input),
    signOut: (_root, _args, ctx) => ctx.services.sessions.signOut(),
    signOutEverywhere: (_root, _args, ctx) => ctx.services.sessions.signOutEverywhere(),
    addToWishlist: (_root, { input }, ctx) => ctx.services.wishlist.add(input),
    removeFromWishlist: (_root, { input }, ctx) => ctx.services.wishlist.remove(input),
  },
  User: {
    __resolveReference: (reference, ctx) => ctx.services.users.reference(reference.id),
    wishlist: async (user, _args, ctx) =>
      (await ctx.services.wishlist.of(user)).map((productId) => ({ __typename: 'Product' as const, id: productId })),
  },
};
