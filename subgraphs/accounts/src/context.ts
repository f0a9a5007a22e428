import type { Response } from 'express';
import type { Identity, SubgraphRequest } from '@polystore/platform';
import { createLoaders, type Loaders } from './loaders';
import type { RoleService } from './role/role.service';
import { SessionGrants } from './session/session.http';
import type { SessionRepository } from './session/session.repository';
import { SessionService, type SessionOptions } from './session/session.service';
import type { SignInThrottle } from './session/sign-in-throttle';
import type { TokenIssuer } from './session/token-issuer';
import type { PasswordHasher } from './user/password-hasher';
import type { SignUpThrottle } from './user/sign-up-throttle';
import type { UserRepository } from './user/user.repository';
import { UserService } from './user/user.service';
import type { ProductDirectory } from './wishlist/product-directory';
import type { WishlistRepository } from './wishlist/wishlist.repository';
import { WishlistService } from './wishlist/wishlist.service';

/** What one request's services are bound to: who is calling, this request's loaders, its session changes. */
export interface AccountsScope {
  /** Who is calling, as the gateway vouched for it in the signed request. */
  viewer: Identity;
  loaders: Loaders;
  /** Session changes this request made, for the gateway (cookies, revocations). */
  sessionGrants: SessionGrants;
}

/** What the services are built from: made once, in app.ts. */
export interface AccountsDeps {
  users: UserRepository;
  wishlist: WishlistRepository;
  sessions: SessionRepository;
  /** Operator commands' service (no request reaches it): sessions read a user's roles from it. */
  roles: RoleService;
  products: ProductDirectory;
  passwords: PasswordHasher;
  tokens: TokenIssuer;
  signUpThrottle: SignUpThrottle;
  signInThrottle: SignInThrottle;
  sessionOptions: SessionOptions;
}

export interface AccountsServices {
  users: UserService;
  wishlist: WishlistService;
  sessions: SessionService;
}

/** What a resolver gets: services only; authorization, validation and reads are theirs. */
export interface AccountsContext {
  requestId: string;
  services: AccountsServices;
}

/**
 * One request's services: fresh loaders over the repositories, the services bound to this viewer,
 * these loaders and this response's session grants. GraphQL requests and the refresh route both
 * start here.
 */
export function createServices(deps: AccountsDeps, viewer: Identity, res: Response | undefined): AccountsServices {
  const scope: AccountsScope = {
    viewer,
    loaders: createLoaders(deps.users, deps.wishlist),
    sessionGrants: new SessionGrants(res),
  };
  const { scryptLogN } = deps.sessionOptions;
  return {
    users: new UserService(scope, deps.users, deps.passwords, deps.signUpThrottle, { scryptLogN }),
    wishlist: new WishlistService(scope, deps.wishlist, deps.users, deps.products),
    sessions: new SessionService(
      scope,
      deps.sessions,
      deps.users,
      deps.tokens,
      deps.signInThrottle,
      deps.passwords,
      deps.sessionOptions,
      deps.roles,
    ),
  };
}

/** Per request: the services of createServices, for the resolvers. */
export function createContext(deps: AccountsDeps) {
  return async ({ req, requestId, viewer }: SubgraphRequest): Promise<AccountsContext> => ({
    requestId,
    services: createServices(deps, viewer, req.res),
  });
}
