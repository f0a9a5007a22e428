import { conflict, parseInput, type Identity } from '@polystore/platform';
import { PasswordHasherBusy, type PasswordHasher } from './password-hasher';
import type { SignUpThrottle } from './sign-up-throttle';
import { EmailTakenError, type UserRecord, type UserRepository } from './user.repository';
import { signUpInput } from './user.inputs';

/** Account rules: validation, throttling, hashing, uniqueness. Resolvers call this; it calls the repository. */
export class UserService {
  constructor(
    private readonly users: UserRepository,
    private readonly passwords: PasswordHasher,
    private readonly throttle: SignUpThrottle,
    private readonly options: { scryptLogN: number },
  ) {}

  /**
   * A new account for the caller. RATE_LIMITED, with nothing created, when the caller's address has
   * used its sign-ups or the password hasher is full (that refusal is not counted against the address).
   */
  async signUp(raw: unknown, viewer: Identity): Promise<UserRecord> {
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
}
