import { loadNamedOperations, Role } from '@polystore/platform';
import { createRoleService } from '../../subgraphs/accounts/src/role/role.service';
import { Browser } from './browser';
import type { RunningPolystore } from './polystore';

const PASSWORD = 'a long enough secret';
// The storefront's own SignUp and SignIn (safelisted text: they run in every gateway mode)
const account = loadNamedOperations();
const SIGN_UP = account.get('SignUp')!.body;
const SIGN_IN = account.get('SignIn')!.body;

export interface StaffUser {
  id: string;
  email: string;
  /** A new browser signed in as this user through the gateway at `url` (default: the running one's). */
  signIn(url?: string): Promise<Browser>;
}

/**
 * A user with the staff role, made the way an operator makes one: signed up through the gateway
 * like any customer, then granted the role by accounts' own RoleService (what `npm run staff --
 * grant` runs), audited in its database.
 */
export async function createStaff(polystore: RunningPolystore, email = 'staff@e2e.example.com'): Promise<StaffUser> {
  const signUp = await new Browser(polystore.url).gql(
    `mutation($input: SignUpInput!) { signUp(input: $input) { id } }`,
    {
      input: { email, name: 'Sam Staff', password: PASSWORD },
    },
  );
  if (signUp.errors) throw new Error(`staff sign-up: ${JSON.stringify(signUp.errors)}`);
  await createRoleService(polystore.accounts.db).grant({ email, role: Role.STAFF, actor: 'e2e', reason: 'test staff' });
  return {
    id: signUp.data!['signUp'].id as string,
    email,
    signIn: (url = polystore.url) => signIn(url, email),
  };
}

/** A new browser signed in as `email` (the password every test user here has) through the gateway at `url`. */
export async function signIn(url: string, email: string, password = PASSWORD): Promise<Browser> {
  const browser = new Browser(url);
  const res = await browser.gql(SIGN_IN, {
    input: { email, password },
  });
  if (res.errors) throw new Error(`sign-in of ${email}: ${JSON.stringify(res.errors)}`);
  return browser;
}

/** Sign up a customer through the gateway and return a browser signed in as them. */
export async function signInCustomer(url: string, email: string): Promise<{ id: string; browser: Browser }> {
  const res = await new Browser(url).gql(SIGN_UP, {
    input: { email, name: email.split('@')[0], password: PASSWORD },
  });
  if (res.errors) throw new Error(`sign-up of ${email}: ${JSON.stringify(res.errors)}`);
  return { id: res.data!['signUp'].id as string, browser: await signIn(url, email) };
}
