import { conflict, forbidden, mayActFor, parseInput } from '@polystore/platform';
import type { AccountsScope } from '../context';
import { unauthenticated } from '../session/session.service';
import { PasswordHasherBusy, type PasswordHasher } from './password-hasher';
import type { SignUpThrottle } from './sign-up-throttle';
import { EmailTakenError, type UserRecord, type UserRepository } from './user.repository';
import { id, signUpInput } from './user.inputs';

/**
 * Account rules: who may read a user, validation, throttling, hashing, uniqueness. Built per
 * request (context.ts), bound to its viewer and its loaders; it calls the repository.
 */
export class UserService {
  constructor(
    private readonly scope: AccountsScope,
    private readonly users: UserRepository,
    private readonly passwords: PasswordHasher,
    private readonly throttle: SignUpThrottle,
    private readonly options: { scryptLogN: number },
  ) {}

  /**
   * A new account for the caller. RATE_LIMITED, with nothing created, when the caller's address has
   * used its sign-ups or the password hasher is full (that refusal is not counted against the address).
   */
  async signUp(raw: unknown): Promise<UserRecord> {
    const { viewer } = this.scope;
    const input = parseInput(signUpInput, raw);
    await this.throttle.attempt(viewer.clientAddress);
    let passwordHash: string;
    try {
      passwordHash = await this.passwords.hash(input.password, this.options.scryptLogN);
    } catch (error) {
      if (error instanceof PasswordHasherBusy) await this.throttle.notAttempted(viewer.clientAddress);
      throw error;
    }
    try {
      return await this.users.create({ email: input.email, name: input.name, passwordHash });
    } catch (error) {
      if (error instanceof EmailTakenError) {
        throw conflict('An account with this email already exists', { field: 'input.email' });
      }
      throw error;
    }
  }

  /** The signed-in viewer, or null when signed out. */
  async me(): Promise<UserRecord | null> {
    const { viewer, loaders } = this.scope;
    return viewer.userId ? loaders.userById.load(viewer.userId) : null;
  }

  /** A user, for themself (or staff) only: UNAUTHENTICATED when signed out, FORBIDDEN for anyone else. */
  async byId(rawId: unknown): Promise<UserRecord | null> {
    const { viewer, loaders } = this.scope;
    const userId = parseInput(id, rawId, 'id');
    if (!viewer.userId) throw unauthenticated();
    if (!mayActFor(viewer, userId)) throw forbidden('Only the user themself may read this user');
    return loaders.userById.load(userId);
  }

  /** A federation reference to a user (another subgraph names its user): every user of a planner step in one query. */
  reference(userId: string): Promise<UserRecord | null> {
    return this.scope.loaders.userById.load(userId);
  }
}
