import type { GraphQLResolverMap } from '@apollo/subgraph';
import { DateTimeResolver } from 'graphql-scalars';
import { notFound, parseInput } from '@polystore/platform';
import type { CatalogContext } from './context';
import type { CategoryDoc, ProductDoc } from './models';
import { productId, sku } from './product/product.inputs';
import type { ProductPage } from './product/product.service';

/** Thin: parse arguments, call a service or a loader, shape the answer. */
export const resolvers: GraphQLResolverMap<CatalogContext> = {
  DateTime: DateTimeResolver as never,
  Query: {
    product: (_root, args, ctx) => ctx.loaders.productById.load(parseInput(productId, args['id'], 'id')),
    productBySku: (_root, args, ctx) => ctx.services.products.bySku(parseInput(sku, args['sku'], 'sku')),
    products: (_root, args, ctx) => ctx.services.products.page(args),
    categories: (_root, _args, ctx) => ctx.services.categories.all(),
  },
  Mutation: {
    createCategory: (_root, { input }, ctx) => ctx.services.categories.create(input),
    createProduct: (_root, { input }, ctx) => ctx.services.products.create(input),
    updateProduct: (_root, { id, input }, ctx) => ctx.services.products.update(id, input),
  },
  Product: {
    __resolveReference: (reference: { id: string }, ctx: CatalogContext) => ctx.loaders.productById.load(reference.id),
    id: (product: ProductDoc) => product._id,
    category: async (product: ProductDoc, _args: unknown, ctx: CatalogContext) =>
      (await ctx.services.categories.get(product.category)) ?? notFoundCategory(product.category),
  },
  Category: {
    slug: (category: CategoryDoc) => category._id,
  },
  ProductConnection: {
    totalCount: (page: ProductPage, _args: unknown, ctx: CatalogContext) => ctx.services.products.count(page.filter),
  },
};

function notFoundCategory(slug: string): never {
  throw notFound('Category', slug);
}
