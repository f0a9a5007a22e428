import DataLoader from 'dataloader';
import { z } from 'zod';
import type { UserRecord, UserRepository } from './user/user.repository';
import type { WishlistRepository } from './wishlist/wishlist.repository';

const isUuid = (value: string) => z.uuid().safeParse(value).success;

/** Fresh per request: each batches every lookup of one planner step into one query. */
export function createLoaders(users: UserRepository, wishlist: WishlistRepository) {
  return {
    userById: new DataLoader<string, UserRecord | null>(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await users.findByIds(valid) : [];
      const byId = new Map(rows.map((u) => [u.id, u]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    wishlistByUserId: new DataLoader<string, string[]>(async (userIds) => {
      const byUser = await wishlist.productIdsByUser(userIds);
      return userIds.map((id) => byUser.get(id) ?? []);
    }),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;
