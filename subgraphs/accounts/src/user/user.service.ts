import { conflict, parseInput } from '@polystore/platform';
import { hashPassword } from './password';
import { EmailTakenError, type UserRecord, type UserRepository } from './user.repository';
import { signUpInput } from './user.inputs';

/** Account rules: validation, hashing, uniqueness. Resolvers call this; it calls the repository. */
export class UserService {
  constructor(
    private readonly users: UserRepository,
    private readonly options: { scryptLogN: number },
  ) {}

  async signUp(raw: unknown): Promise<UserRecord> {
    const input = parseInput(signUpInput, raw);
    const passwordHash = await hashPassword(input.password, this.options.scryptLogN);
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
