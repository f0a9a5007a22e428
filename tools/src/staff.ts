/**
 * npm run staff -- grant|revoke|list|history: who may run the store (the `staff` role).
 *
 *   grant <email> [--reason "..."] [--by <operator>]    give an existing user the staff role
 *   revoke <email> [--reason "..."] [--by <operator>]   take it away
 *   list                                                 everyone who holds it
 *   history <email>                                      every grant and revoke of that user
 *
 * Writes through accounts' own RoleService and RoleRepository on its database
 * (ACCOUNTS_DATABASE_URL, the service's own DML-only role): the role and its audit row
 * (`role_changes`: who, role, granted or revoked, by whom, when, why) in one transaction. `--by`
 * names the operator; by default the system user running the command, `<user>@<host>`. A change
 * reaches a signed-in user at their next access-token refresh (docs/adr/0011-roles-and-staff-writes.md).
 *
 * Exit status: 0 done; 1 refused, with the error's code (NOT_FOUND: no user with that email;
 * CONFLICT: granted already / not granted; BAD_USER_INPUT: a bad email or reason); 2 usage.
 */
import { hostname, userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { AppError, createMetrics, Role } from '@polystore/platform';
import { createDb } from '@polystore/accounts/dist/db';
import { createRoleService, type RoleService } from '@polystore/accounts/dist/role/role.service';

const USAGE = `usage: npm run staff -- grant <email> [--reason "..."] [--by <operator>]
       npm run staff -- revoke <email> [--reason "..."] [--by <operator>]
       npm run staff -- list
       npm run staff -- history <email>`;

export class UsageError extends Error {}

/** Who runs the command, when --by does not say: the system user on this host. */
export function defaultOperator(): string {
  return `${userInfo().username}@${hostname()}`;
}

/**
 * Run one staff command against accounts' role service; lines go to `out`. Resolves with the
 * exit status; throws AppError (coded) or UsageError.
 */
export async function staffCommand(
  argv: string[],
  roles: RoleService,
  out: (line: string) => void = console.log,
  operator: () => string = defaultOperator,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { reason: { type: 'string' }, by: { type: 'string' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [command, email, ...extra] = parsed.positionals;
  const { reason, by } = parsed.values;
  if (extra.length) throw new UsageError(`unexpected ${extra.join(' ')}`);
  switch (command) {
    case 'grant':
    case 'revoke': {
      if (!email) throw new UsageError(`${command} needs the user's email`);
      const input = { email, role: Role.STAFF, actor: by ?? operator(), reason };
      const { user, change } = command === 'grant' ? await roles.grant(input) : await roles.revoke(input);
      out(`${change.action.toLowerCase()} ${change.role}: ${user.email} (${user.id}) by ${change.actor}`);
      return 0;
    }
    case 'list': {
      if (email || reason !== undefined || by !== undefined) throw new UsageError('list takes no arguments');
      const holders = await roles.holders(Role.STAFF);
      for (const h of holders) out(`${h.email}\t${h.name}\tsince ${h.grantedAt.toISOString()}`);
      out(`${holders.length} staff`);
      return 0;
    }
    case 'history': {
      if (!email) throw new UsageError("history needs the user's email");
      if (reason !== undefined || by !== undefined) throw new UsageError('history takes only an email');
      for (const c of await roles.history(email)) {
        out(
          `${c.at.toISOString()}\t${c.action.toLowerCase()} ${c.role}\tby ${c.actor}${c.reason ? `\t${c.reason}` : ''}`,
        );
      }
      return 0;
    }
    default:
      throw new UsageError(command ? `unknown command ${command}` : 'no command');
  }
}

async function main(argv: string[]): Promise<number> {
  const url = process.env['ACCOUNTS_DATABASE_URL'];
  if (!url) throw new UsageError('ACCOUNTS_DATABASE_URL is not set (scripts/stack up writes it to .data/stack.env)');
  const db = createDb({ url, poolSize: 1, metrics: createMetrics('staff') });
  try {
    return await staffCommand(argv, createRoleService(db));
  } finally {
    await db.$disconnect();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`staff: ${error.message}\n${USAGE}`);
        process.exit(2);
      }
      if (error instanceof AppError) {
        console.error(`staff: ${String(error.extensions['code'])}: ${error.message}`);
        process.exit(1);
      }
      console.error(`staff failed: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
