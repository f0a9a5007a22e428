import type { Response } from 'express';
import { decodeSessionGrant, SESSION_GRANT_HEADER } from '@polystore/platform';
import { ALICE, BOB, codeOf, requestsTo, testUuid, viewers } from '../../../../test-support/services';
import { createContext, type AccountsDeps } from '../context';
import type { SessionRepository } from '../session/session.repository';
import type { WishlistRepository } from '../wishlist/wishlist.repository';
import type { UserRecord, UserRepository } from './user.repository';

// The rules above the store, on fakes of the repositories (accounts.integration.test.ts and
// sessions.integration.test.ts run them on PostgreSQL and Redis, e2e/wishlist.e2e.test.ts counts them).
const { alice, bob, staff, anonymous } = viewers;
const PRODUCT = testUuid(0xf00d);
const user = (id: string, name: string): UserRecord => ({
  id,
  email: `${name}@example.com`,
  name,
  createdAt: new Date(0),
});
const USERS = [user(ALICE, 'alice'), user(BOB, 'bob')];

/** The repositories' methods over arrays, counting every call (one call = one store round trip). */
function fakes() {
  const wishlists = new Map<string, string[]>([[ALICE, [PRODUCT]]]);
  const calls = { findByIds: [] as string[][], productIdsByUser: 0, sessionDeletes: 0 };
  const users = {
    async findByIds(ids: readonly string[]) {
      calls.findByIds.push([...ids]);
      return USERS.filter((u) => ids.includes(u.id));
    },
    async exists(id: string) {
      return USERS.some((u) => u.id === id);
    },
  } as unknown as UserRepository;
  const wishlist = {
    async productIdsByUser(userIds: readonly string[]) {
      calls.productIdsByUser += 1;
      return new Map(userIds.map((id) => [id, wishlists.get(id) ?? []]));
    },
    async count(userId: string) {
      return (wishlists.get(userId) ?? []).length;
    },
    async add(userId: string, productId: string) {
      wishlists.set(userId, [...(wishlists.get(userId) ?? []), productId]);
    },
  } as unknown as WishlistRepository;
  const sessions = {
    async delete() {
      calls.sessionDeletes += 1;
      return true;
    },
  } as unknown as SessionRepository;
  const context = createContext({
    users,
    wishlist,
    sessions,
    products: { exists: async () => true },
    sessionOptions: { accessTokenTtlMs: 60_000, idleTtlMs: 60_000, maxTtlMs: 60_000, scryptLogN: 10 },
  } as Partial<AccountsDeps> as AccountsDeps);
  return { request: requestsTo(context), calls };
}

/** A response that keeps the session-grant header a request sets. */
function response() {
  const headers = new Map<string, string>();
  const res = { headersSent: false, setHeader: (name: string, value: string) => headers.set(name, value) };
  return { res: res as unknown as Response, grant: () => decodeSessionGrant(headers.get(SESSION_GRANT_HEADER)) };
}

describe('accounts services, as each request builds them', () => {
  it('lets a user read themself and staff read anyone: UNAUTHENTICATED when signed out, FORBIDDEN for another user', async () => {
    const { request } = fakes();
    expect(await (await request(alice)).users.byId(ALICE)).toEqual(USERS[0]);
    expect(await (await request(staff)).users.byId(ALICE)).toEqual(USERS[0]);
    expect(await codeOf((await request(bob)).users.byId(ALICE))).toBe('FORBIDDEN');
    expect(await codeOf((await request(anonymous)).users.byId(ALICE))).toBe('UNAUTHENTICATED');
    expect(await codeOf((await request(alice)).users.byId('not-a-uuid'))).toBe('BAD_USER_INPUT');
  });

  it('answers me with the signed-in viewer, and null when signed out without reading the store', async () => {
    const { request, calls } = fakes();
    expect(await (await request(anonymous)).users.me()).toBeNull();
    expect(calls.findByIds).toEqual([]);
    expect(await (await request(bob)).users.me()).toEqual(USERS[1]);
  });

  it('reads every user reference and every wishlist of one planner step in one repository call each', async () => {
    const { request, calls } = fakes();
    const { users, wishlist } = await request(staff);
    expect(await Promise.all([ALICE, BOB, ALICE].map((id) => users.reference(id)))).toEqual([
      USERS[0],
      USERS[1],
      USERS[0],
    ]);
    expect(await Promise.all(USERS.map((u) => wishlist.of(u)))).toEqual([[PRODUCT], []]);
    expect(calls.findByIds).toEqual([[ALICE, BOB]]);
    expect(calls.productIdsByUser).toBe(1);
  });

  it('answers a wishlist change with the viewer, read through the same loaders, and refuses it when signed out', async () => {
    const { request, calls } = fakes();
    const other = testUuid(0xbeef);
    const services = await request(bob);
    expect(await services.wishlist.add({ productId: other })).toEqual(USERS[1]);
    expect(await services.wishlist.of(USERS[1]!)).toEqual([other]);
    expect(await services.users.me()).toEqual(USERS[1]);
    expect(calls.findByIds).toEqual([[BOB]]);
    expect(await codeOf((await request(anonymous)).wishlist.add({ productId: other }))).toBe('UNAUTHENTICATED');
  });

  it("hands what a request did to sessions to the gateway through that request's response", async () => {
    const { request, calls } = fakes();
    const signedOut = response();
    expect(await (await request(anonymous, { res: signedOut.res })).sessions.signOut()).toBe(false);
    expect(signedOut.grant()).toEqual({ ended: true, revoked: [] });
    expect(calls.sessionDeletes).toBe(0);

    const signedIn = response();
    expect(await (await request(alice, { res: signedIn.res })).sessions.signOut(1234)).toBe(true);
    expect(signedIn.grant()).toEqual({ ended: true, revoked: [{ sessionId: alice.sessionId, at: 1234 }] });
    expect(calls.sessionDeletes).toBe(1);
  });
});
