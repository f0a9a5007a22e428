import { Prisma } from '../generated/prisma/client';
import type { Db, Tx } from '../db';
import type { OrderStatusValue } from './order.inputs';

/** An order as the API sees it (its lines are loaded apart, in one query for many orders). */
export interface OrderRecord {
  id: string;
  seq: bigint;
  customerId: string;
  status: OrderStatusValue;
  currency: string;
  subtotal: number;
  total: number;
  itemCount: number;
  placedAt: Date;
  updatedAt: Date;
}

export interface OrderLineRecord {
  orderId: string;
  position: number;
  productId: string;
  productName: string;
  unitPrice: number;
  quantity: number;
  lineTotal: number;
  /** The order's currency (not a column of the line). */
  currency: string;
}

export interface NewOrder {
  customerId: string;
  currency: string;
  subtotal: number;
  total: number;
  itemCount: number;
  lines: { productId: string; productName: string; unitPrice: number; quantity: number; lineTotal: number }[];
}

/** Where a page of a customer's orders starts: after this (placedAt, id), newest first. */
export interface OrderPosition {
  placedAt: Date;
  id: string;
}

const ORDER_FIELDS = {
  id: true,
  seq: true,
  customerId: true,
  status: true,
  currency: true,
  subtotal: true,
  total: true,
  itemCount: true,
  placedAt: true,
  updatedAt: true,
} as const;

interface OrderRow {
  id: string;
  seq: bigint;
  customer_id: string;
  status: OrderStatusValue;
  currency: string;
  subtotal: number;
  total: number;
  item_count: number;
  placed_at: Date;
  updated_at: Date;
}

/** The only code that touches the orders and order_lines tables. */
export class OrderRepository {
  constructor(private readonly db: Db) {}

  /** The order and its lines, in the caller's transaction: all of it is written, or nothing. */
  create(tx: Tx, order: NewOrder): Promise<OrderRecord> {
    const { lines, ...fields } = order;
    return tx.order.create({
      data: { ...fields, lines: { create: lines.map((line, position) => ({ ...line, position })) } },
      select: ORDER_FIELDS,
    });
  }

  /** One query for any number of ids (DataLoader batches into this). */
  findByIds(ids: readonly string[]): Promise<OrderRecord[]> {
    return this.db.order.findMany({ where: { id: { in: [...ids] } }, select: ORDER_FIELDS });
  }

  /** The lines of many orders in one query, each order's in position order. */
  async linesByOrder(orderIds: readonly { id: string; currency: string }[]): Promise<Map<string, OrderLineRecord[]>> {
    const currencyOf = new Map(orderIds.map((o) => [o.id, o.currency]));
    const rows = await this.db.orderLine.findMany({
      where: { orderId: { in: [...currencyOf.keys()] } },
      orderBy: [{ orderId: 'asc' }, { position: 'asc' }],
    });
    const byOrder = new Map<string, OrderLineRecord[]>();
    for (const row of rows) {
      const list = byOrder.get(row.orderId) ?? [];
      list.push({ ...row, currency: currencyOf.get(row.orderId)! });
      byOrder.set(row.orderId, list);
    }
    return byOrder;
  }

  /**
   * Up to `limit` orders of each customer, newest first, in ONE query for any number of customers:
   * a window function numbers each customer's orders and keeps the first `limit`. Served by the
   * index (customer_id, placed_at DESC, id DESC).
   */
  async newestByCustomers(
    customerIds: readonly string[],
    options: { limit: number; status?: OrderStatusValue | null; after?: OrderPosition | null },
  ): Promise<Map<string, OrderRecord[]>> {
    const status = options.status ? Prisma.sql`AND o.status = ${options.status}::order_status` : Prisma.empty;
    const after = options.after
      ? Prisma.sql`AND (o.placed_at, o.id) < (${options.after.placedAt}::timestamptz, ${options.after.id}::uuid)`
      : Prisma.empty;
    const rows = await this.db.$queryRaw<OrderRow[]>`
      SELECT id, seq, customer_id, status::text AS status, currency, subtotal, total, item_count, placed_at, updated_at
      FROM (
        SELECT o.*, row_number() OVER (PARTITION BY o.customer_id ORDER BY o.placed_at DESC, o.id DESC) AS rank
        FROM orders o
        WHERE o.customer_id = ANY(${[...customerIds]}::uuid[]) ${status} ${after}
      ) ranked
      WHERE rank <= ${options.limit}
      ORDER BY customer_id, placed_at DESC, id DESC`;
    const byCustomer = new Map<string, OrderRecord[]>();
    for (const row of rows) {
      const list = byCustomer.get(row.customer_id) ?? [];
      list.push({
        id: row.id,
        seq: BigInt(row.seq),
        customerId: row.customer_id,
        status: row.status,
        currency: row.currency,
        subtotal: Number(row.subtotal),
        total: Number(row.total),
        itemCount: Number(row.item_count),
        placedAt: new Date(row.placed_at),
        updatedAt: new Date(row.updated_at),
      });
      byCustomer.set(row.customer_id, list);
    }
    return byCustomer;
  }
}
