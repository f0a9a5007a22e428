import { Prisma, type GrantedRole } from '../generated/prisma/client';
import type { Db } from '../db';

export type { GrantedRole };

/** One grant or revoke, as the audit table `role_changes` keeps it. */
export interface RoleChangeRecord {
  id: string;
  userId: string;
  role: GrantedRole;
  action: 'GRANTED' | 'REVOKED';
  actor: string;
  reason: string | null;
  at: Date;
}

export interface RoleHolder {
  userId: string;
  email: string;
  name: string;
  grantedAt: Date;
}

/** The user already holds the role: nothing was written. */
export class AlreadyGrantedError extends Error {}
/** The user does not hold the role: nothing was written. */
export class NotGrantedError extends Error {}

interface Change {
  userId: string;
  role: GrantedRole;
  actor: string;
  reason: string | null;
}

/**
 * The only code that touches `user_roles` and `role_changes`. A role changes only together with its
 * audit row, in one transaction: either both are written or neither.
 */
export class RoleRepository {
  constructor(private readonly db: Db) {}

  /** The roles granted to a user (one indexed query: the primary key's prefix). */
  async rolesOf(userId: string): Promise<GrantedRole[]> {
    const rows = await this.db.userRole.findMany({
      where: { userId },
      select: { role: true },
      orderBy: { role: 'asc' },
    });
    return rows.map((r) => r.role);
  }

  async grant(change: Change): Promise<RoleChangeRecord> {
    try {
      const [, audit] = await this.db.$transaction([
        this.db.userRole.create({ data: { userId: change.userId, role: change.role } }),
        this.db.roleChange.create({ data: { ...change, action: 'GRANTED' } }),
      ]);
      return audit;
    } catch (error) {
      // the primary key (user, role): granted already, by an earlier or a concurrent command
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new AlreadyGrantedError();
      }
      throw error;
    }
  }

  async revoke(change: Change): Promise<RoleChangeRecord> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.userRole.deleteMany({ where: { userId: change.userId, role: change.role } });
      if (count === 0) throw new NotGrantedError();
      return tx.roleChange.create({ data: { ...change, action: 'REVOKED' } });
    });
  }

  /** Everyone holding the role, by email. */
  async holders(role: GrantedRole): Promise<RoleHolder[]> {
    const rows = await this.db.userRole.findMany({
      where: { role },
      select: { grantedAt: true, user: { select: { id: true, email: true, name: true } } },
      orderBy: { user: { email: 'asc' } },
    });
    return rows.map((r) => ({ userId: r.user.id, email: r.user.email, name: r.user.name, grantedAt: r.grantedAt }));
  }

  /** A user's grants and revokes, oldest first. */
  changesOf(userId: string): Promise<RoleChangeRecord[]> {
    return this.db.roleChange.findMany({ where: { userId }, orderBy: [{ at: 'asc' }, { id: 'asc' }] });
  }
}
