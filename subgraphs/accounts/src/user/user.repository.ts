import { Prisma } from '../generated/prisma/client';
import type { Db } from '../db';

/** A user as the API sees it: the password hash is never read outside the credential checks. */
export interface UserRecord {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
}

export class EmailTakenError extends Error {
  constructor() {
    super('email taken');
  }
}

const PUBLIC_FIELDS = { id: true, email: true, name: true, createdAt: true } as const;

/** The only code that touches the users table. */
export class UserRepository {
  constructor(private readonly db: Db) {}

  async create(data: { email: string; name: string; passwordHash: string }): Promise<UserRecord> {
    try {
      return await this.db.user.create({ data, select: PUBLIC_FIELDS });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw new EmailTakenError();
      throw error;
    }
  }

  /** One query for any number of ids (DataLoader batches into this). */
  findByIds(ids: readonly string[]): Promise<UserRecord[]> {
    return this.db.user.findMany({ where: { id: { in: [...ids] } }, select: PUBLIC_FIELDS });
  }

  findByEmail(email: string): Promise<UserRecord | null> {
    return this.db.user.findUnique({ where: { email }, select: PUBLIC_FIELDS });
  }

  /** For sign-in only: the user and their password hash. */
  async findCredentialsByEmail(email: string): Promise<{ user: UserRecord; passwordHash: string } | null> {
    const row = await this.db.user.findUnique({ where: { email }, select: { ...PUBLIC_FIELDS, passwordHash: true } });
    if (!row) return null;
    const { passwordHash, ...user } = row;
    return { user, passwordHash };
  }

  async exists(id: string): Promise<boolean> {
    return (await this.db.user.count({ where: { id } })) === 1;
  }

  count(): Promise<number> {
    return this.db.user.count();
  }
}
