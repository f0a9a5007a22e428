import { AppError, ErrorCode } from './errors';
import type { Identity } from './gateway-trust';

/**
 * The roles accounts puts in a session: every signed-in user is a customer; the others are granted
 * to a user and stored by accounts (table `user_roles`, `npm run staff`; docs/adr/0011).
 */
export const Role = {
  CUSTOMER: 'customer',
  /**
   * Back-office users: may read any customer's account, orders and payments, write the catalog
   * (categories, products), capture and refund.
   */
  STAFF: 'staff',
} as const;

export const isStaff = (viewer: Identity) => viewer.roles.includes(Role.STAFF);

/** The signed-in user's id, or UNAUTHENTICATED. */
export function requireUser(viewer: Identity): string {
  if (!viewer.userId) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Sign in first');
  return viewer.userId;
}

/** Whether the viewer may see what belongs to this user: the user themself, or staff. */
export const mayActFor = (viewer: Identity, userId: string) => viewer.userId === userId || isStaff(viewer);

export const forbidden = (message: string) => new AppError(ErrorCode.FORBIDDEN, message);

/**
 * For a write that is not a customer's own action: the signed-in staff user's id. UNAUTHENTICATED
 * when anonymous, FORBIDDEN for anyone else. Called first in the owning service, before any input
 * is read or any store is touched.
 */
export function requireStaff(viewer: Identity, forbiddenMessage = 'Only staff can do this'): string {
  const userId = requireUser(viewer);
  if (!isStaff(viewer)) throw forbidden(forbiddenMessage);
  return userId;
}
