import { mayActFor } from '@polystore/platform';
import { DateTimeResolver } from 'graphql-scalars';
import type { Currency, PaymentFailureReason, Resolvers } from './generated/graphql';

const money = (amount: number, currency: string) => ({ amount, currency: currency as Currency });

/** Thin: parse arguments, call a service or a loader, shape the answer. */
export const resolvers: Resolvers = {
  DateTime: DateTimeResolver,
  Query: {
    payment: (_root, args, ctx) =>
      ctx.services.payments.byId(ctx.viewer, args.id, (id) => ctx.loaders.paymentById.load(id)),
  },
  Mutation: {
    authorizePayment: (_root, { input }, ctx) => ctx.services.payments.authorize(ctx.viewer, input),
    capturePayment: (_root, { input }, ctx) => ctx.services.payments.capture(ctx.viewer, input),
    refundPayment: (_root, { input }, ctx) => ctx.services.payments.refund(ctx.viewer, input),
  },
  Payment: {
    __resolveReference: async (reference, ctx) => {
      const payment = await ctx.loaders.paymentById.load(reference.id);
      return payment && mayActFor(ctx.viewer, payment.customerId) ? payment : null;
    },
    order: (payment) => ({ __typename: 'Order' as const, id: payment.orderId }),
    amount: (p) => money(p.amount, p.currency),
    capturedAmount: (p) => money(p.capturedAmount, p.currency),
    refundedAmount: (p) => money(p.refundedAmount, p.currency),
    failureReason: (p) => p.failureCode as PaymentFailureReason | null,
    method: (p) => ({ brand: p.cardBrand, last4: p.cardLast4, expMonth: p.cardExpMonth, expYear: p.cardExpYear }),
    refunds: (p, _args, ctx) => ctx.loaders.refundsByPayment.load(p.id),
  },
  Refund: {
    amount: (refund, _args, ctx) =>
      ctx.loaders.paymentById.load(refund.paymentId).then((p) => money(refund.amount, p!.currency)),
  },
  Order: {
    // The gateway sends the order's customer (@requires): a payment shows only on its own customer's
    // order, and only to that customer (or staff).
    __resolveReference: (reference) => reference,
    payment: async (order, _args, ctx) => {
      const customerId = order.customer?.id;
      if (!customerId || !mayActFor(ctx.viewer, customerId)) return null;
      const payment = await ctx.loaders.latestPaymentByOrder.load(order.id);
      return payment && payment.customerId === customerId ? payment : null;
    },
  },
};
