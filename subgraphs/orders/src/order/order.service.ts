import { z } from 'zod';
import type { KeyObject } from 'node:crypto';
import {
  AppError,
  badUserInput,
  type Connection,
  decodeCursor,
  encodeCursor,
  ErrorCode,
  type FieldProblem,
  forbidden,
  mayActFor,
  notFound,
  parseInput,
  requireUser,
  signCheckoutToken,
  toConnection,
  type WithTransaction,
} from '@polystore/platform';
import type { OrdersScope } from '../context';
import type { Tx } from '../db';
import { createOrderInput, id, MAX_ORDER_TOTAL, ordersArgs } from './order.inputs';
import type { NewOrder, OrderLineRecord, OrderPosition, OrderRecord, OrderRepository } from './order.repository';
import type { ProductCatalog } from './product-catalog';

export type OrderPage = Connection<OrderRecord>;
/** A user as orders knows one: only the id (accounts owns users). */
export interface UserRef {
  id: string;
}

const cursorShape = z.tuple([z.iso.datetime(), z.uuid()]);
export const orderCursor = (order: OrderRecord) => encodeCursor([order.placedAt.toISOString(), order.id]);

export interface OrderServiceOptions {
  currency: string;
  checkoutKey: KeyObject;
  checkoutTtlSeconds: number;
}

/**
 * Order rules: who may see what, how an order is priced and written. Built per request
 * (context.ts), bound to its viewer and its loaders: every read of an order goes through here.
 */
export class OrderService {
  constructor(
    private readonly scope: OrdersScope,
    private readonly orders: OrderRepository,
    private readonly catalog: ProductCatalog,
    private readonly options: OrderServiceOptions,
    private readonly withTransaction: WithTransaction<Tx>,
  ) {}

  /** What payments needs to charge for the order, signed (docs/adr/0006); only while it waits for payment. */
  checkoutToken(order: OrderRecord, now = Date.now()): string | null {
    if (order.status !== 'PENDING_PAYMENT') return null;
    return signCheckoutToken(this.options.checkoutKey, {
      orderId: order.id,
      customerId: order.customerId,
      amount: order.total,
      currency: order.currency,
      expiresAt: now + this.options.checkoutTtlSeconds * 1000,
    });
  }

  /**
   * Place an order for the viewer, pricing each line from the catalog as it is now. Every check
   * comes before the one write (a transaction): a rejected request has written nothing.
   */
  async create(raw: unknown): Promise<OrderRecord> {
    const customerId = requireUser(this.scope.viewer);
    const { lines } = parseInput(createOrderInput, raw);
    const products = await this.catalog.lookup(lines.map((l) => l.productId));
    const problems: FieldProblem[] = [];
    const priced: NewOrder['lines'] = [];
    for (const [i, line] of lines.entries()) {
      const field = `input.lines.${i}.productId`;
      const product = products.get(line.productId);
      if (!product) {
        throw new AppError(ErrorCode.NOT_FOUND, `Product ${line.productId} was not found`, {
          id: line.productId,
          field,
        });
      }
      if (product.status !== 'ACTIVE') problems.push({ field, message: 'is no longer sold' });
      else if (product.price.currency !== this.options.currency) {
        problems.push({
          field,
          message: `is priced in ${product.price.currency}; orders are in ${this.options.currency}`,
        });
      }
      priced.push({
        productId: product.id,
        productName: product.name,
        unitPrice: product.price.amount,
        quantity: line.quantity,
        lineTotal: product.price.amount * line.quantity,
      });
    }
    if (problems.length) throw badUserInput('Some products cannot be ordered', problems);
    const subtotal = priced.reduce((sum, l) => sum + l.lineTotal, 0);
    if (subtotal > MAX_ORDER_TOTAL) {
      throw badUserInput(`An order's total is at most ${MAX_ORDER_TOTAL} minor units`, [
        { field: 'input.lines', message: `the total would be ${subtotal}` },
      ]);
    }
    const order: NewOrder = {
      customerId,
      currency: this.options.currency,
      subtotal,
      total: subtotal,
      itemCount: priced.reduce((sum, l) => sum + l.quantity, 0),
      lines: priced,
    };
    return this.withTransaction((tx) => this.orders.create(tx, order));
  }

  /** One order, only for its customer (or staff); anyone else gets the same NOT_FOUND as for no order. */
  async byId(rawId: unknown): Promise<OrderRecord> {
    const { viewer, loaders } = this.scope;
    requireUser(viewer);
    const orderId = parseInput(id, rawId, 'id');
    const order = await loaders.orderById.load(orderId);
    if (!order || !mayActFor(viewer, order.customerId)) throw notFound('Order', orderId);
    return order;
  }

  /** A federation reference to an order: resolved only for its customer (or staff), else null. */
  async reference(orderId: string): Promise<OrderRecord | null> {
    const order = await this.scope.loaders.orderById.load(orderId);
    return order && mayActFor(this.scope.viewer, order.customerId) ? order : null;
  }

  /**
   * The lines of an order this service handed out (so already authorized), every order of a
   * planner step in one query; the currency rides along so lines are priced without another read.
   */
  lines(order: OrderRecord): Promise<OrderLineRecord[]> {
    return this.scope.loaders.linesByOrder.load({ id: order.id, currency: order.currency });
  }

  /** A page of a customer's orders, newest first: only their own (or staff). */
  async page(customerId: string, rawArgs: unknown): Promise<OrderPage> {
    const { viewer, loaders } = this.scope;
    requireUser(viewer);
    if (!mayActFor(viewer, customerId)) throw forbidden('Only the customer can read their orders');
    const args = parseInput(ordersArgs, rawArgs, '');
    const after: OrderPosition | null = args.after
      ? (([placedAt, orderId]) => ({ placedAt: new Date(placedAt), id: orderId }))(
          decodeCursor(args.after, cursorShape),
        )
      : null;
    const rows = await loaders.ordersByCustomer.load({ customerId, first: args.first, after, status: args.status });
    return toConnection(rows, args.first, orderCursor, after !== null);
  }
}
