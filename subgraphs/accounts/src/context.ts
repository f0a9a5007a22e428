import type { Request } from 'express';
import type { Loaders } from './loaders';
import type { UserService } from './user/user.service';
import type { WishlistService } from './wishlist/wishlist.service';

export interface AccountsContext {
  requestId: string;
  loaders: Loaders;
  services: { users: UserService; wishlist: WishlistService };
}

export type ContextFactory = (req: Request) => Promise<AccountsContext>;
