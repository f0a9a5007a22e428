import {
  encodeIdentity,
  IDENTITY_HEADER,
  signRequest,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyRequest,
} from './gateway-trust';

const SECRET = 'a'.repeat(32);
const body = JSON.stringify({ query: '{ me { id } }' });
const identity = { userId: '0190a0b0-0000-7000-8000-000000000001', roles: ['customer'], sessionId: 's1' };

function headersOf(signed: Record<string, string>) {
  return {
    timestamp: signed[TIMESTAMP_HEADER],
    identity: signed[IDENTITY_HEADER],
    signature: signed[SIGNATURE_HEADER],
  };
}

describe('gateway request signatures', () => {
  const now = 1_800_000_000_000;

  it('verify with the same secret, body and identity, within the window', () => {
    expect(
      verifyRequest(SECRET, headersOf(signRequest(SECRET, body, identity, now)), body, { now: now + 59_000 }),
    ).toEqual({
      ok: true,
      identity,
    });
  });

  it.each([
    [
      'another secret',
      () => verifyRequest('b'.repeat(32), headersOf(signRequest(SECRET, body, identity, now)), body, { now }),
    ],
    [
      'an altered body',
      () => verifyRequest(SECRET, headersOf(signRequest(SECRET, body, identity, now)), `${body} `, { now }),
    ],
    [
      'a swapped identity',
      () =>
        verifyRequest(
          SECRET,
          {
            ...headersOf(signRequest(SECRET, body, identity, now)),
            identity: encodeIdentity({ userId: 'someone-else', roles: ['admin'] }),
          },
          body,
          { now },
        ),
    ],
    [
      'a replay older than the window',
      () => verifyRequest(SECRET, headersOf(signRequest(SECRET, body, identity, now)), body, { now: now + 60_001 }),
    ],
    [
      'a timestamp from the future',
      () => verifyRequest(SECRET, headersOf(signRequest(SECRET, body, identity, now + 120_000)), body, { now }),
    ],
    ['no signature at all', () => verifyRequest(SECRET, {}, body, { now })],
    [
      'a malformed signature',
      () =>
        verifyRequest(SECRET, { ...headersOf(signRequest(SECRET, body, identity, now)), signature: 'v1=zz' }, body, {
          now,
        }),
    ],
  ])('refuse %s', (_what, check) => {
    expect(check().ok).toBe(false);
  });
});
