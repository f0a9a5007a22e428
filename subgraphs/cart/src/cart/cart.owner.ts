import { createHash } from 'node:crypto';
import { AppError, ErrorCode, type Identity } from '@polystore/platform';
import { v5 as uuidv5 } from 'uuid';
import { z } from 'zod';

/** Whose cart a request works on, and where it lives in Redis. */
export interface CartOwner {
  kind: 'user' | 'session';
  /** The Redis key of the cart (a hash). */
  key: string;
  /** The cart's id in the API: derived from the owner, so stable without being stored. */
  cartId: string;
  ttlSeconds: number;
  /** A signed-in viewer's session cart, merged into the user's cart on first use, then deleted. */
  mergeFrom?: string;
}

export interface OwnerSettings {
  /** `cart:` (or `cart:<test namespace>:`). */
  keyPrefix: string;
  userTtlSeconds: number;
  anonymousTtlSeconds: number;
}

// Names cart ids (UUID v5 of the owner key without its prefix); changing it changes every cart id.
const CART_ID_NAMESPACE = '96297e6a-c4bc-474d-8b7b-c815ac733c1b';
const userId = z.uuid();
// The gateway mints session ids; the cart accepts any non-empty token up to 512 characters.
const sessionId = z.string().min(1).max(512);

const unauthenticated = (message: string) => new AppError(ErrorCode.UNAUTHENTICATED, message);

/**
 * The viewer's cart: the user's when signed in, else the session's; UNAUTHENTICATED with neither.
 * A session id never appears in a key (nor in the cart id): keys carry its SHA-256, so the key
 * space and its backups reveal no live session token.
 */
export function cartOwner(viewer: Identity, settings: OwnerSettings): CartOwner {
  const session = viewer.sessionId === undefined ? undefined : sessionName(viewer.sessionId);
  if (viewer.userId !== undefined) {
    if (!userId.safeParse(viewer.userId).success) throw unauthenticated('The session names no valid user');
    const name = `u:${viewer.userId.toLowerCase()}`;
    return {
      kind: 'user',
      key: settings.keyPrefix + name,
      cartId: uuidv5(name, CART_ID_NAMESPACE),
      ttlSeconds: settings.userTtlSeconds,
      ...(session ? { mergeFrom: settings.keyPrefix + session } : {}),
    };
  }
  if (!session) throw unauthenticated('A cart belongs to a session or a user: start a session or sign in');
  return {
    kind: 'session',
    key: settings.keyPrefix + session,
    cartId: uuidv5(session, CART_ID_NAMESPACE),
    ttlSeconds: settings.anonymousTtlSeconds,
  };
}

function sessionName(value: string): string {
  if (!sessionId.safeParse(value).success) throw unauthenticated('The session id is not valid');
  return `s:${createHash('sha256').update(value, 'utf8').digest('base64url')}`;
}
