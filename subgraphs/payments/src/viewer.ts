import { AppError, ErrorCode, type Identity } from '@polystore/platform';

/** The role the gateway gives back-office users: they may capture and refund payments and read any customer's. */
export const STAFF_ROLE = 'staff';

export const isStaff = (viewer: Identity) => viewer.roles.includes(STAFF_ROLE);

/** The signed-in user's id, or UNAUTHENTICATED. */
export function requireUser(viewer: Identity): string {
  if (!viewer.userId) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Sign in first');
  return viewer.userId;
}

/** Whether the viewer may see what belongs to this customer. */
export const mayActFor = (viewer: Identity, customerId: string) => viewer.userId === customerId || isStaff(viewer);

export const forbidden = (message: string) => new AppError(ErrorCode.FORBIDDEN, message);
