import { DateTimeResolver } from 'graphql-scalars';
import type { Currency, Resolvers } from './generated/graphql';
import { orderNumber } from './order/order-number';

const money = (amount: number, currency: string) => ({ amount, currency: currency as Currency });

/** Thin: each field calls the request's service and maps the record it returns to the schema's shape. */
export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  Query: {
    order: (_root, args, ctx) => ctx.services.orders.byId(args.id),
  },
  Mutation: {
    createOrder: (_root, { input }, ctx) => ctx.services.orders.create(input),
  },
  Order: {
    __resolveReference: (reference, ctx) => ctx.services.orders.reference(reference.id),
    number: (order) => orderNumber(order.seq, order.placedAt),
    currency: (order) => order.currency as Currency,
    subtotal: (order) => money(order.subtotal, order.currency),
    total: (order) => money(order.total, order.currency),
    lines: (order, _args, ctx) => ctx.services.orders.lines(order),
    customer: (order) => ({ __typename: 'User' as const, id: order.customerId }),
    checkoutToken: (order, _args, ctx) => ctx.services.orders.checkoutToken(order),
  },
  OrderLine: {
    product: (line) => ({ __typename: 'Product' as const, id: line.productId }),
    name: (line) => line.productName,
    unitPrice: (line) => money(line.unitPrice, line.currency),
    total: (line) => money(line.lineTotal, line.currency),
  },
  User: {
    // Orders stores no users: a reference is all it needs to list their orders.
    __resolveReference: (reference) => ({ id: reference.id }),
    orders: (user, args, ctx) => ctx.services.orders.page(user.id, args),
  },
};
