import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import fc from 'fast-check';
import {
  astFromValue,
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  Kind as AstKind,
  parse,
  print,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { counterValue, encodeCursor, STRING_RULE_MESSAGES } from '@polystore/platform';
import { gql, type GraphQLResponse } from '../test-support/graphql';
import type { Browser } from './support/browser';
import { startPolystore, SUBGRAPHS, type RunningPolystore } from './support/polystore';
import { signIn } from './support/staff';
import { seedStorefront } from './support/storefront';

// The string rule (packages/platform/src/string-rule.ts) through the gateway, fuzzed with
// fast-check over every mutation and every query of the supergraph that takes a string (String or
// ID, anywhere in its arguments): derived from schema/supergraph.graphql, so a new field is fuzzed
// without touching this file. Bounded and replayable: a failure prints its seed and path; run it
// again with STRING_FUZZ_SEED=<seed> (and STRING_FUZZ_RUNS for more runs per field).
const SEED = Number(process.env['STRING_FUZZ_SEED'] ?? 20261204);
const RUNS = Number(process.env['STRING_FUZZ_RUNS'] ?? 20);
const RULE_MESSAGES: string[] = Object.values(STRING_RULE_MESSAGES);

const schema = buildSchema(readFileSync(path.join(__dirname, '../schema/supergraph.graphql'), 'utf8'), {
  assumeValidSDL: true,
});
/** The root fields only staff may run: those of the staff's persisted operations (schema/operations/staff.graphql). */
const STAFF_ONLY = new Set(
  parse(readFileSync(path.join(__dirname, '../schema/operations/staff.graphql'), 'utf8')).definitions.flatMap((d) =>
    d.kind === AstKind.OPERATION_DEFINITION && d.operation === 'mutation'
      ? d.selectionSet.selections.flatMap((f) => (f.kind === AstKind.FIELD ? [f.name.value] : []))
      : [],
  ),
);

const takesStrings = (type: GraphQLInputType, seen = new Set<string>()): boolean => {
  const named = getNamedType(type);
  if (named.name === 'String' || named.name === 'ID') return true;
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((f) => takesStrings(f.type, seen));
};

type Kind = 'query' | 'mutation';
const TARGETS: { kind: Kind; field: GraphQLField<unknown, unknown> }[] = [
  ...Object.values(schema.getMutationType()!.getFields()).map((field) => ({ kind: 'mutation' as const, field })),
  ...Object.values(schema.getQueryType()!.getFields()).map((field) => ({ kind: 'query' as const, field })),
].filter(({ field }) => field.args.some((a) => takesStrings(a.type)));

/** A generated string, tagged with what it holds, so the expected answer does not come from the rule under test. */
interface Leaf {
  readonly leaf: true;
  value: string;
  nul: boolean;
  surrogate: boolean;
}
const leaf = (value: string, nul = false, surrogate = false): Leaf => ({ leaf: true, value, nul, surrogate });
const isLeaf = (v: unknown): v is Leaf => typeof v === 'object' && v !== null && (v as Leaf).leaf === true;

/** Insert `piece` into `base` between two code points (never inside a surrogate pair). */
const insert = (base: string, piece: string, at: number): string => {
  const points = Array.from(base);
  const i = at % (points.length + 1);
  return [...points.slice(0, i), piece, ...points.slice(i)].join('');
};

const BAD = ['\u0000', '\ud800', '\udbff', '\udc00', '\udfff'] as const;
/** Well-formed but unusual: astral, combining, right-to-left and bidi controls, emoji, non-characters, controls. */
const UNUSUAL = [
  '😀',
  '👩‍👩‍👧',
  '🏳️‍🌈',
  '👍🏽',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '𠜎𠜱',
  'e\u0301\u0327',
  'Z\u0351\u0361\u0307a\u0316',
  'שלום',
  'مرحبا',
  '\u200f',
  '\u202e',
  '\ufeff',
  '\ufffd',
  '\ufffe',
  '\uffff',
  '\ufdd0',
  '\ufdef',
  '\u{1fffe}',
  '\u{10ffff}',
  '\u{f0000}',
  '\u2028',
  '\u0001',
  '\u007f',
];
const unusualText = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  // any code point but the half surrogates (fast-check's 'binary'), NUL taken out
  fc
    .string({ unit: 'binary', minLength: 1, maxLength: 12 })
    .map((s) => s.replaceAll('\u0000', ''))
    .filter((s) => s.length > 0),
  fc.array(fc.constantFrom(...UNUSUAL), { minLength: 1, maxLength: 6 }).map((a) => a.join('')),
  // very long
  fc.tuple(fc.constantFrom('a', ...UNUSUAL), fc.integer({ min: 500, max: 4000 })).map(([s, n]) => s.repeat(n)),
);

/**
 * How a run treats its strings. `clean`: each keeps a plausible value for its field, or is made
 * unusual but well-formed (free text more often than ids, emails and the like, so such text
 * reaches the stores); `spoiled`: each is also likely to get NUL or unpaired surrogates.
 */
type Mode = 'clean' | 'spoiled';

/**
 * `base` with bad characters between its code points. Two at the same place are kept apart by a
 * `~`, so a high and a low surrogate never meet as a pair: each one stays unpaired, as tagged.
 */
const spoiled = (base: string, spoils: [bad: string, at: number][]): Leaf => {
  const points = Array.from(base);
  const at = new Map<number, string[]>();
  for (const [bad, i] of spoils) at.set(i % (points.length + 1), [...(at.get(i % (points.length + 1)) ?? []), bad]);
  const value = [...points, ''].map((p, i) => `${(at.get(i) ?? []).join('~')}${p}`).join('');
  return leaf(
    value,
    spoils.some(([bad]) => bad === '\u0000'),
    spoils.some(([bad]) => bad !== '\u0000'),
  );
};
const spoil = (plausible: fc.Arbitrary<string>) =>
  fc
    .tuple(plausible, fc.array(fc.tuple(fc.constantFrom(...BAD), fc.nat()), { minLength: 1, maxLength: 3 }))
    .map(([v, spoils]) => spoiled(v, spoils));
const unusual = (plausible: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.tuple(plausible, unusualText, fc.nat()).map(([v, u, at]) => leaf(insert(v, u, at))) },
    { weight: 1, arbitrary: unusualText.map((u) => leaf(u)) },
  );

function leafOf(plausible: fc.Arbitrary<string>, freeText: boolean, mode: Mode): fc.Arbitrary<Leaf> {
  const plain = plausible.map((v) => leaf(v));
  if (mode === 'spoiled') {
    return fc.oneof(
      { weight: 2, arbitrary: spoil(plausible) },
      { weight: 1, arbitrary: plain },
      { weight: 1, arbitrary: unusual(plausible) },
    );
  }
  return fc.oneof(
    { weight: freeText ? 1 : 4, arbitrary: plain },
    { weight: freeText ? 3 : 1, arbitrary: unusual(plausible) },
  );
}

interface Fixtures {
  categorySlug: string;
  productIds: string[];
  userId: string;
  orderId: string;
  checkoutToken: string;
  paymentId: string;
  productsCursor: string;
}

/**
 * Values that get a request past the field's other rules, so the strings reach the stores; and
 * whether the field is free text (anything well-formed may go in) or has a format of its own.
 */
function plausibleString(name: string, f: Fixtures, returns: string): [fc.Arbitrary<string>, freeText: boolean] {
  const formatted = (arbitrary: fc.Arbitrary<string>): [fc.Arbitrary<string>, boolean] => [arbitrary, false];
  // not biased towards small numbers, so new emails, skus and slugs rarely collide
  const unique = fc.noBias(fc.integer({ min: 1, max: 2 ** 31 - 1 }));
  switch (name.toLowerCase()) {
    case 'email':
      return formatted(unique.map((n) => `fuzz.${n}@example.com`));
    case 'password':
      return [fc.constant('a long enough secret'), true];
    case 'sku':
      return formatted(unique.map((n) => `FUZZ-${n}`));
    case 'slug':
      return formatted(unique.map((n) => `fuzz-${n}`));
    case 'category':
    case 'categories':
      return formatted(fc.constant(f.categorySlug));
    case 'productid':
    case 'ids':
      return formatted(fc.constantFrom(...f.productIds));
    case 'orderid':
      return formatted(fc.constant(f.orderId));
    case 'paymentid':
      return formatted(fc.constant(f.paymentId));
    case 'id': // of the kind the field answers with
      return formatted(
        fc.constant({ Order: f.orderId, Payment: f.paymentId, User: f.userId }[returns] ?? f.productIds[0]!),
      );
    case 'checkouttoken':
      return formatted(fc.constant(f.checkoutToken));
    case 'idempotencykey':
      return formatted(fc.uuid());
    case 'number':
      return formatted(fc.constantFrom('4242424242424242', '4000000000000002'));
    case 'cvc':
      return formatted(fc.constant('123'));
    case 'after':
      return formatted(fc.constant(f.productsCursor));
    case 'query':
      return [fc.constantFrom('lamp', 'walnut desk'), true];
    default:
      return [
        fc.oneof(fc.constantFrom('Ada Lovelace', 'damaged in transit'), fc.stringMatching(/^[A-Z]?[a-z]{2,9}$/)),
        true,
      ];
  }
}

function plausibleInt(name: string): fc.Arbitrary<number> {
  switch (name.toLowerCase()) {
    case 'quantity':
      return fc.integer({ min: 1, max: 3 });
    case 'amount':
      return fc.integer({ min: 100, max: 5000 });
    case 'expmonth':
      return fc.integer({ min: 1, max: 12 });
    case 'expyear':
      return fc.constant(2030);
    case 'first':
      return fc.integer({ min: 1, max: 10 });
    case 'expectedversion':
      return fc.integer({ min: 1, max: 3 });
    default:
      return fc.integer({ min: 0, max: 100 });
  }
}

/** An arbitrary for any input type of the schema, strings as tagged leaves. */
function arbitraryFor(
  type: GraphQLInputType,
  name: string,
  f: Fixtures,
  mode: Mode,
  returns: string,
): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) return arbitraryFor(type.ofType, name, f, mode, returns);
  if (isListType(type))
    return fc.array(arbitraryFor(type.ofType, name, f, mode, returns), { minLength: 1, maxLength: 3 });
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    return fc.record(
      Object.fromEntries(fields.map((field) => [field.name, optional(field.type, field.name, f, mode, returns)])),
    );
  }
  if (isEnumType(type)) return fc.constantFrom(...type.getValues().map((v) => v.value as string));
  if (type.name === 'String' || type.name === 'ID') return leafOf(...plausibleString(name, f, returns), mode);
  if (type.name === 'Int') return plausibleInt(name);
  if (type.name === 'Boolean') return fc.boolean();
  throw new Error(`no generator for the scalar ${type.name} (${name}): add one here`);
}
const optional = (type: GraphQLInputType, name: string, f: Fixtures, mode: Mode, returns: string) =>
  isNonNullType(type)
    ? arbitraryFor(type, name, f, mode, returns)
    : fc.option(arbitraryFor(type, name, f, mode, returns), { nil: undefined, freq: 2 });
const argumentsOf = (field: GraphQLField<unknown, unknown>, f: Fixtures) => {
  const returns = getNamedType(field.type).name;
  return fc.oneof(
    ...(['clean', 'spoiled'] as const).map((mode) =>
      fc.record(Object.fromEntries(field.args.map((a) => [a.name, optional(a.type, a.name, f, mode, returns)]))),
    ),
  ) as fc.Arbitrary<Record<string, unknown>>;
};

/** Plain values to send, and every generated string with its path (as the API names fields). */
function materialize(value: unknown, at: string, leaves: (Leaf & { path: string })[]): unknown {
  if (isLeaf(value)) {
    leaves.push({ ...value, path: at });
    return value.value;
  }
  if (Array.isArray(value)) return value.map((v, i) => materialize(v, `${at}.${i}`, leaves));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, materialize(v, at ? `${at}.${k}` : k, leaves)]),
    );
  }
  return value;
}

/** The operation: arguments as variables, or written inline in the document. */
function operationFor(
  kind: Kind,
  field: GraphQLField<unknown, unknown>,
  args: Record<string, unknown>,
  inline: boolean,
) {
  const given = field.args.filter((a) => args[a.name] !== undefined);
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  const list = (parts: string[]) => (parts.length ? `(${parts.join(', ')})` : '');
  if (inline) {
    const written = given.map((a) => `${a.name}: ${print(astFromValue(args[a.name], a.type)!)}`);
    return { query: `${kind} { ${field.name}${list(written)}${selection} }`, variables: {} };
  }
  const declared = given.map((a) => `$${a.name}: ${String(a.type)}`);
  const used = given.map((a) => `${a.name}: $${a.name}`);
  return { query: `${kind} Fuzz${list(declared)} { ${field.name}${list(used)}${selection} }`, variables: args };
}

let polystore: RunningPolystore;
let callers: { customer: Browser; staff: Browser };
let fixtures: Fixtures;

const callerArbitrary = fc.constantFrom('customer' as const, 'staff' as const);

/** Every store round trip of every subgraph so far (reads and writes). */
const storeCommands = async () => {
  let total = 0;
  for (const s of SUBGRAPHS) total += await counterValue(polystore[s].metrics.registry, 'store_commands_total');
  return total;
};
const codesOf = (res: GraphQLResponse<unknown>) => (res.errors ?? []).map((e) => e.extensions?.['code']);
const ruleFields = (res: GraphQLResponse<unknown>) =>
  (res.errors ?? []).flatMap((e) =>
    ((e.extensions?.['fields'] as { field: string; message: string }[] | undefined) ?? []).filter((p) =>
      RULE_MESSAGES.includes(p.message),
    ),
  );

beforeAll(async () => {
  polystore = await startPolystore({
    // the fuzz sends a few hundred requests from one client: no budget of its own may cut it short
    gateway: { RATE_LIMIT_POINTS: '100000' },
    accounts: { SIGN_IN_MAX_FAILURES_PER_ADDRESS: '100000', SIGN_IN_MAX_FAILURES_PER_EMAIL: '100000' },
  });
  const store = await seedStorefront(polystore, 2);
  const shopper = store.shopper;
  // seedStorefront made the staff user (support/staff.ts, its default email)
  callers = { customer: shopper, staff: await signIn(polystore.url, 'staff@e2e.example.com') };
  const order = await shopper.gql(
    `mutation($input: CreateOrderInput!) { createOrder(input: $input) { id checkoutToken } }`,
    { input: { lines: [{ productId: store.productIds[0], quantity: 1 }] } },
  );
  expect(order.errors).toBeUndefined();
  const { id: orderId, checkoutToken } = order.data!['createOrder'];
  const payment = await shopper.gql(
    `mutation($input: AuthorizePaymentInput!) { authorizePayment(input: $input) { id } }`,
    {
      input: {
        orderId,
        checkoutToken,
        card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' },
        idempotencyKey: 'fuzz-fixture-payment',
      },
    },
  );
  expect(payment.errors).toBeUndefined();
  const page = await shopper.gql(`{ products(first: 1, sort: NAME_ASC) { pageInfo { endCursor } } }`);
  fixtures = {
    categorySlug: store.categorySlug,
    productIds: store.productIds,
    userId: store.userId,
    orderId,
    checkoutToken,
    paymentId: payment.data!['authorizePayment'].id,
    productsCursor: page.data!['products'].pageInfo.endCursor,
  };
});
afterAll(async () => {
  await polystore?.stop();
});

describe('string arguments of every mutation and string-taking query, fuzzed through the gateway', () => {
  it('are found in the schema: every mutation that takes arguments, and the string-taking queries', () => {
    const mutationsWithArgs = Object.values(schema.getMutationType()!.getFields()).filter((f) => f.args.length);
    expect(TARGETS.filter((t) => t.kind === 'mutation').map((t) => t.field.name)).toEqual(
      mutationsWithArgs.map((f) => f.name),
    );
    expect(TARGETS.map((t) => t.field.name)).toEqual(
      expect.arrayContaining([
        'signUp',
        'createProduct',
        'addToCart',
        'createOrder',
        'refundPayment',
        'searchProducts',
      ]),
    );
  });

  it('knows the staff-only mutations from the staff operations', () => {
    expect([...STAFF_ONLY].sort()).toEqual(
      ['capturePayment', 'createCategory', 'createProduct', 'refundPayment', 'updateProduct'].sort(),
    );
  });

  // Each run calls as the signed-in customer or as staff. A bad string is refused before any
  // resolver, so it is BAD_USER_INPUT whoever calls; a well-formed one sent by staff reaches the
  // stores, and a staff-only mutation sent by the customer is FORBIDDEN.
  it.each(TARGETS.map((t, i) => [`${t.kind} ${t.field.name}`, t, i] as const))(
    '%s: bad strings are BAD_USER_INPUT naming each field and touch no store; others never hit the rule; never an internal error',
    async (_name, { kind, field }, i) => {
      await fc.assert(
        fc.asyncProperty(argumentsOf(field, fixtures), fc.boolean(), callerArbitrary, async (generated, inline, as) => {
          const leaves: (Leaf & { path: string })[] = [];
          const values = materialize(generated, '', leaves) as Record<string, unknown>;
          const { query, variables } = operationFor(kind, field, values, inline);
          const before = await storeCommands();
          const res = await callers[as].gql(query, variables);
          const codes = codesOf(res);
          expect(codes).not.toContain('INTERNAL_SERVER_ERROR');
          expect(codes.every((c) => typeof c === 'string')).toBe(true);

          const bad = leaves.filter((l) => l.nul || l.surrogate);
          if (!bad.length) {
            expect(codes).not.toContain('GRAPHQL_PARSE_FAILED');
            expect(codes).not.toContain('GRAPHQL_VALIDATION_FAILED');
            expect(ruleFields(res)).toEqual([]);
            if (as === 'customer' && STAFF_ONLY.has(field.name)) expect(codes).toEqual(['FORBIDDEN']);
            return;
          }
          if (inline && bad.some((l) => l.surrogate)) {
            // GraphQL's own grammar has no unpaired surrogates: the gateway cannot even parse the document
            expect(codes).toEqual(['GRAPHQL_PARSE_FAILED']);
          } else {
            expect(codes).toEqual(['BAD_USER_INPUT']);
            expect(res.errors![0]!.path).toEqual([field.name]);
            expect(
              ruleFields(res)
                .map((p) => p.field)
                .sort(),
            ).toEqual(bad.map((l) => l.path).sort());
          }
          expect((await storeCommands()) - before).toBe(0);
        }),
        { seed: SEED + i, numRuns: RUNS },
      );
    },
  );
});

describe('strings that are not arguments', () => {
  it("a forged products cursor whose sort keys hold bad characters is BAD_USER_INPUT 'after'", async () => {
    const keys = JSON.parse(Buffer.from(fixtures.productsCursor, 'base64url').toString('utf8')) as (string | number)[];
    expect(keys.some((k) => typeof k === 'string')).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...BAD), fc.nat(), async (bad, at) => {
        const forged = encodeCursor(keys.map((k) => (typeof k === 'string' ? insert(k, bad, at) : k)));
        const before = await storeCommands();
        const res = await callers.customer.gql(
          `query($after: String) { products(first: 2, sort: NAME_ASC, after: $after) { __typename } }`,
          {
            after: forged,
          },
        );
        expect(res.errors?.map((e) => [e.extensions?.['code'], e.extensions?.['fields']])).toEqual([
          ['BAD_USER_INPUT', [{ field: 'after', message: 'not a cursor this API issued' }]],
        ]);
        expect((await storeCommands()) - before).toBe(0);
      }),
      { seed: SEED, numRuns: 10 },
    );
  });

  it('well-formed unusual names are kept exactly as sent', async () => {
    const name = `Zoë 😀👩‍👩‍👧 e\u0301 שלום \u202e \ufffe\uffff\ufdd0\u{10ffff} 𝔘`;
    const res = await gql(polystore.url, `mutation($i: SignUpInput!) { signUp(input: $i) { name } }`, {
      i: { email: 'unusual.name@example.com', name, password: 'a long enough secret' },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ signUp: { name } });
  });
});

describe("the gateway's own inputs", () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(polystore.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('session cookies holding NUL or an unpaired surrogate (percent-encoded) are no session at all', async () => {
    for (const cookie of [
      'ps_session=%00; ps_access=%00',
      'ps_session=%ED%A0%80.%ED%A0%80; ps_access=%ED%A0%80',
      `ps_session=${fixtures.userId}%00; ps_access=eyJ%00.e30.x`,
    ]) {
      const res = await post({ query: '{ me { id } }' }, { cookie });
      expect([cookie, res.status, await res.json()]).toEqual([cookie, 200, { data: { me: null } }]);
    }
  });

  it('a persisted-query hash holding NUL or an unpaired surrogate is simply not found', async () => {
    for (const sha256Hash of ['ab\u0000cd', 'ab\ud800cd', `${'0'.repeat(63)}\udfff`]) {
      const res = await post({ extensions: { persistedQuery: { version: 1, sha256Hash } } });
      const body = (await res.json()) as GraphQLResponse<unknown>;
      expect(codesOf(body as GraphQLResponse<unknown>)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    }
  });

  it('a raw NUL in a header never reaches the gateway: the HTTP parser answers 400', async () => {
    const { port } = new URL(polystore.url);
    const body = JSON.stringify({ query: '{ __typename }' });
    for (const header of ['x-request-id: a\u0000b', 'cookie: ps_session=a\u0000b']) {
      const answer = await new Promise<string>((resolve, reject) => {
        let received = '';
        const socket = net.connect(Number(port), '127.0.0.1', () => {
          socket.end(
            `POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\n${header}\r\ncontent-type: application/json\r\n` +
              `content-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
            'latin1',
          );
        });
        socket.on('data', (chunk) => (received += chunk.toString('latin1')));
        socket.on('end', () => resolve(received));
        socket.on('error', reject);
      });
      expect([header, answer.split('\r\n')[0]]).toEqual([header, 'HTTP/1.1 400 Bad Request']);
    }
  });
});
