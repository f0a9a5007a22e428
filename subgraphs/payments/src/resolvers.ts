import { DateTimeResolver } from 'graphql-scalars';
import type { Currency, PaymentFailureReason, Resolvers } from './generated/graphql';

const money = (amount: number, currency: string) => ({ amount, currency: currency as Currency });

/** Thin: each field calls the request's service and maps the record it returns to the schema's shape. */
export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  Query: {
    payment: (_root, args, ctx) => ctx.services.payments.byId(args.id),
  },
  Mutation: {
    authorizePayment: (_root, { input }, ctx) => ctx.services.payments.authorize(input),
    capturePayment: (_root, { input }, ctx) => ctx.services.payments.capture(input),
    refundPayment: (_root, { input }, ctx) => ctx.services.payments.refund(input),
  },
  Payment: {
    __resolveReference: (reference, ctx) => ctx.services.payments.reference(reference.id),
    order: (payment) => ({ __typename: 'Order' as const, id: payment.orderId }),
    amount: (p) => money(p.amount, p.currency),
    capturedAmount: (p) => money(p.capturedAmount, p.currency),
    refundedAmount: (p) => money(p.refundedAmount, p.currency),
    failureReason: (p) => p.failureCode as PaymentFailureReason | null,
    method: (p) => ({ brand: p.cardBrand, last4: p.cardLast4, expMonth: p.cardExpMonth, expYear: p.cardExpYear }),
    refunds: (p, _args, ctx) => ctx.services.payments.refunds(p),
  },
  Refund: {
    amount: async (refund, _args, ctx) => money(refund.amount, await ctx.services.payments.currencyOf(refund)),
  },
  Order: {
    __resolveReference: (reference) => reference,
    payment: (order, _args, ctx) => ctx.services.payments.ofOrder(order),
  },
};
