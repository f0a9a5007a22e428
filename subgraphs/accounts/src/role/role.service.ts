import { AppError, ErrorCode, parseInput, Role } from '@polystore/platform';
import { z } from 'zod';
import type { Db } from '../db';
import { signUpInput } from '../user/user.inputs';
import { UserRepository, type UserRecord } from '../user/user.repository';
import {
  AlreadyGrantedError,
  NotGrantedError,
  RoleRepository,
  type GrantedRole,
  type RoleChangeRecord,
  type RoleHolder,
} from './role.repository';

/** The roles that can be granted (the database's `granted_role` enum says the same). */
export const GRANTABLE_ROLES = [Role.STAFF] as const satisfies readonly GrantedRole[];

/** An account's email, by the same rule as sign-up (trimmed, lower-cased). */
const email = signUpInput.shape.email;

const changeInput = z.object({
  email,
  role: z.enum(GRANTABLE_ROLES, { message: `must be one of ${GRANTABLE_ROLES.join(', ')}` }),
  actor: z.string().trim().min(1, 'must name who makes the change').max(100, 'must be at most 100 characters'),
  reason: z.string().trim().max(500, 'must be at most 500 characters').optional(),
});

export interface RoleChangeOutcome {
  user: UserRecord;
  change: RoleChangeRecord;
}

/**
 * Who holds which role, and the audit of every change. Granting and revoking are operator actions
 * (`npm run staff`, the seed): no GraphQL field reaches them. Sessions read a user's roles here at
 * sign-in and at every refresh, so a change reaches a signed-in user with their next access token
 * (docs/adr/0011-roles-and-staff-writes.md).
 */
export class RoleService {
  constructor(
    private readonly users: UserRepository,
    private readonly roles: RoleRepository,
  ) {}

  /** Every role a signed-in user has: `customer`, and each role granted to them. */
  async sessionRoles(userId: string): Promise<string[]> {
    return [Role.CUSTOMER, ...(await this.roles.rolesOf(userId))];
  }

  /** NOT_FOUND for an unknown email, CONFLICT (reason ALREADY_GRANTED) when the user holds the role already. */
  grant(raw: unknown): Promise<RoleChangeOutcome> {
    return this.change(raw, 'grant');
  }

  /** NOT_FOUND for an unknown email, CONFLICT (reason NOT_GRANTED) when the user does not hold the role. */
  revoke(raw: unknown): Promise<RoleChangeOutcome> {
    return this.change(raw, 'revoke');
  }

  /** Validate, find the user, then write the change and its audit row together (the repository's transaction). */
  private async change(raw: unknown, kind: 'grant' | 'revoke'): Promise<RoleChangeOutcome> {
    const input = parseInput(changeInput, raw);
    const user = await this.userByEmail(input.email);
    const change = { userId: user.id, role: input.role, actor: input.actor, reason: input.reason ?? null };
    try {
      return { user, change: kind === 'grant' ? await this.roles.grant(change) : await this.roles.revoke(change) };
    } catch (error) {
      if (error instanceof AlreadyGrantedError) {
        throw new AppError(ErrorCode.CONFLICT, `${user.email} is ${input.role} already`, { reason: 'ALREADY_GRANTED' });
      }
      if (error instanceof NotGrantedError) {
        throw new AppError(ErrorCode.CONFLICT, `${user.email} is not ${input.role}`, { reason: 'NOT_GRANTED' });
      }
      throw error;
    }
  }

  holders(role: GrantedRole = Role.STAFF): Promise<RoleHolder[]> {
    return this.roles.holders(role);
  }

  /** A user's grants and revokes, oldest first; NOT_FOUND for an unknown email. */
  async history(rawEmail: unknown): Promise<RoleChangeOutcome['change'][]> {
    const user = await this.userByEmail(parseInput(email, rawEmail, 'email'));
    return this.roles.changesOf(user.id);
  }

  private async userByEmail(value: string): Promise<UserRecord> {
    const user = await this.users.findByEmail(value);
    if (!user) throw new AppError(ErrorCode.NOT_FOUND, `No user has the email ${value}`, { email: value });
    return user;
  }
}

/** The role service on accounts' database, as the service itself builds it (for the staff command and the seed). */
export const createRoleService = (db: Db) => new RoleService(new UserRepository(db), new RoleRepository(db));
