import { DateTimeResolver } from 'graphql-scalars';
import { notFound, parseInput } from '@polystore/platform';
import type { Resolvers } from './generated/graphql';
import { availabilityOf } from './product/availability';
import { productId, productIds, sku } from './product/product.inputs';

/** Thin: parse arguments, call a service or a loader, shape the answer. */
export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  Query: {
    product: (_root, args, ctx) => ctx.loaders.productById.load(parseInput(productId, args.id, 'id')),
    productsByIds: async (_root, args, ctx) => {
      const ids = parseInput(productIds, args.ids, 'ids');
      return (await ctx.loaders.productById.loadMany(ids)).map((p) => (p instanceof Error ? null : p));
    },
    productBySku: (_root, args, ctx) => ctx.services.products.bySku(parseInput(sku, args.sku, 'sku')),
    products: (_root, args, ctx) => ctx.services.products.page(args),
    categories: (_root, _args, ctx) => ctx.services.categories.all(),
  },
  Mutation: {
    createCategory: (_root, { input }, ctx) => ctx.services.categories.create(ctx.viewer, input),
    createProduct: (_root, { input }, ctx) => ctx.services.products.create(ctx.viewer, input),
    updateProduct: (_root, { id, input }, ctx) => ctx.services.products.update(ctx.viewer, id, input),
  },
  Product: {
    __resolveReference: (reference, ctx) => ctx.loaders.productById.load(reference.id),
    id: (product) => product._id,
    availability: (product, _args, ctx) => availabilityOf(product, ctx.lowStockThreshold),
    category: async (product, _args, ctx) => {
      const category = await ctx.services.categories.get(product.category);
      if (!category) throw notFound('Category', product.category);
      return category;
    },
  },
  Category: {
    slug: (category) => category._id,
  },
  ProductConnection: {
    totalCount: (page, _args, ctx) => ctx.services.products.count(page.filter),
  },
};
