import { AppError, ErrorCode } from './errors';
import type { Identity } from './gateway-trust';

/** The roles accounts gives in a session: every signed-in user is a customer; staff run the store. */
export const Role = {
  CUSTOMER: 'customer',
  /** Back-office users: may read any customer's account, orders and payments, capture and refund. */
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
