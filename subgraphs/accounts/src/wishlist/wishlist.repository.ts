import { Prisma } from '../generated/prisma/client';
import type { Db } from '../db';

export class UnknownUserError extends Error {}

/** The only code that touches wishlist_items. */
export class WishlistRepository {
  constructor(private readonly db: Db) {}

  /** Idempotent: adding a product twice keeps one row (and its first addedAt). */
  async add(userId: string, productId: string): Promise<void> {
    try {
      await this.db.wishlistItem.createMany({ data: [{ userId, productId }], skipDuplicates: true });
    } catch (error) {
      // The user vanished between the check and the insert: the foreign key says so.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003') throw new UnknownUserError();
      throw error;
    }
  }

  async remove(userId: string, productId: string): Promise<void> {
    await this.db.wishlistItem.deleteMany({ where: { userId, productId } });
  }

  count(userId: string): Promise<number> {
    return this.db.wishlistItem.count({ where: { userId } });
  }

  /** Product ids per user, newest first, for any number of users in one query. */
  async productIdsByUser(userIds: readonly string[]): Promise<Map<string, string[]>> {
    const rows = await this.db.wishlistItem.findMany({
      where: { userId: { in: [...userIds] } },
      orderBy: [{ userId: 'asc' }, { addedAt: 'desc' }, { productId: 'asc' }],
      select: { userId: true, productId: true },
    });
    const byUser = new Map<string, string[]>();
    for (const row of rows) {
      const list = byUser.get(row.userId) ?? [];
      list.push(row.productId);
      byUser.set(row.userId, list);
    }
    return byUser;
  }
}
