import type { Identity } from '@polystore/platform';
import type { Loaders } from './loaders';
import type { SessionGrants } from './session/session.http';
import type { SessionService } from './session/session.service';
import type { UserService } from './user/user.service';
import type { WishlistService } from './wishlist/wishlist.service';

export interface AccountsContext {
  requestId: string;
  /** Who is calling, as the gateway vouched for it in the signed request. */
  viewer: Identity;
  loaders: Loaders;
  services: { users: UserService; wishlist: WishlistService; sessions: SessionService };
  /** Session changes this request made, for the gateway (cookies, revocations). */
  sessionGrants: SessionGrants;
}
