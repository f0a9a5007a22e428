import { DateTimeResolver } from 'graphql-scalars';
import type { Resolvers } from './generated/graphql';

/** Thin: each field calls the request's service and maps the record it returns to the schema's shape. */
export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  Query: {
    product: (_root, args, ctx) => ctx.services.products.byId(args.id),
    productsByIds: (_root, args, ctx) => ctx.services.products.byIds(args.ids),
    productBySku: (_root, args, ctx) => ctx.services.products.bySku(args.sku),
    products: (_root, args, ctx) => ctx.services.products.page(args),
    categories: (_root, _args, ctx) => ctx.services.categories.all(),
  },
  Mutation: {
    createCategory: (_root, { input }, ctx) => ctx.services.categories.create(input),
    createProduct: (_root, { input }, ctx) => ctx.services.products.create(input),
    updateProduct: (_root, { id, input }, ctx) => ctx.services.products.update(id, input),
  },
  Product: {
    __resolveReference: (reference, ctx) => ctx.services.products.reference(reference.id),
    id: (product) => product._id,
    availability: (product, _args, ctx) => ctx.services.products.availability(product),
    category: (product, _args, ctx) => ctx.services.products.category(product),
  },
  Category: {
    slug: (category) => category._id,
  },
  ProductConnection: {
    totalCount: (page, _args, ctx) => ctx.services.products.count(page.filter),
  },
};
