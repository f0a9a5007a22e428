import DataLoader from 'dataloader';
import { z } from 'zod';
import type { OrderStatusValue } from './order/order.inputs';
import type { OrderLineRecord, OrderPosition, OrderRecord, OrderRepository } from './order/order.repository';

const isUuid = (value: string) => z.uuid().safeParse(value).success;

export interface OrdersKey {
  customerId: string;
  first: number;
  after: OrderPosition | null;
  status?: OrderStatusValue | null;
}

/** Fresh per request: each batches every lookup of one planner step into one query. */
export function createLoaders(orders: OrderRepository) {
  return {
    orderById: new DataLoader<string, OrderRecord | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await orders.findByIds(valid) : [];
      const byId = new Map(rows.map((o) => [o.id, o]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    /** Keyed by order; the currency rides along so lines can be priced without another read. */
    linesByOrder: new DataLoader<{ id: string; currency: string }, OrderLineRecord[], string>(
      async (orderRefs) => {
        const byOrder = await orders.linesByOrder(orderRefs);
        return orderRefs.map((o) => byOrder.get(o.id) ?? []);
      },
      { cacheKeyFn: (o) => o.id },
    ),
    /**
     * `first + 1` newest orders per customer (the extra one tells whether a next page exists).
     * Keys asking the same page of different customers become one query.
     */
    ordersByCustomer: new DataLoader<OrdersKey, OrderRecord[], string>(
      async (keys) => {
        const groups = new Map<string, OrdersKey[]>();
        for (const key of keys) {
          const group = pageOf(key);
          groups.set(group, [...(groups.get(group) ?? []), key]);
        }
        const results = new Map<string, OrderRecord[]>();
        await Promise.all(
          [...groups.values()].map(async (group) => {
            const { first, after, status } = group[0]!;
            const byCustomer = await orders.newestByCustomers(
              group.map((k) => k.customerId),
              { limit: first + 1, after, status },
            );
            for (const key of group) results.set(cacheKey(key), byCustomer.get(key.customerId) ?? []);
          }),
        );
        return keys.map((key) => results.get(cacheKey(key)) ?? []);
      },
      { cacheKeyFn: cacheKey },
    ),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;

function pageOf(key: OrdersKey): string {
  return JSON.stringify([
    key.first,
    key.after?.placedAt.toISOString() ?? null,
    key.after?.id ?? null,
    key.status ?? null,
  ]);
}

function cacheKey(key: OrdersKey): string {
  return `${key.customerId}:${pageOf(key)}`;
}
