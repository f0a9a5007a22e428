import type { Db } from './db';
import { hashPassword } from './user/password';

export interface SeedUser {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
  wishlist: string[];
}

/**
 * Write sample users (each with its own salted hash of the shared sample password) and their
 * wishlists, 50 users per transaction. Only when there are no users yet.
 */
export async function writeAccountsSample(
  db: Db,
  users: SeedUser[],
  password: string,
  options: { scryptLogN: number },
  onProgress: (written: number) => void,
): Promise<'written' | 'not-empty'> {
  if ((await db.user.count()) > 0) return 'not-empty';
  for (let i = 0; i < users.length; i += 50) {
    const batch = users.slice(i, i + 50);
    const hashes = await Promise.all(batch.map(() => hashPassword(password, options.scryptLogN)));
    await db.$transaction([
      db.user.createMany({
        data: batch.map((u, j) => ({
          id: u.id,
          email: u.email,
          name: u.name,
          passwordHash: hashes[j]!,
          createdAt: u.createdAt,
        })),
      }),
      db.wishlistItem.createMany({
        data: batch.flatMap((u) =>
          u.wishlist.map((productId, k) => ({
            userId: u.id,
            productId,
            addedAt: new Date(u.createdAt.getTime() + k * 60_000),
          })),
        ),
      }),
    ]);
    onProgress(batch.length);
  }
  return 'written';
}
