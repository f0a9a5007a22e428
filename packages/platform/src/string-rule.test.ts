import { buildSchema, graphql, type GraphQLError } from 'graphql';
import {
  guardStringArguments,
  refuseUnstorableStrings,
  STRING_RULE_MESSAGES,
  unstorableCharacter,
  unstorableStrings,
} from './string-rule';

const { NUL, LONE_SURROGATE } = STRING_RULE_MESSAGES;

describe('the string rule', () => {
  it.each([
    ['NUL alone', '\u0000', 0, 0x0000, NUL],
    ['NUL first', '\u0000abc', 0, 0x0000, NUL],
    ['NUL inside', 'Ada\u0000Lovelace', 3, 0x0000, NUL],
    ['NUL last', 'abc\u0000', 3, 0x0000, NUL],
    ['a high surrogate alone', '\ud800', 0, 0xd800, LONE_SURROGATE],
    ['a high surrogate before a letter', 'a\udbffb', 1, 0xdbff, LONE_SURROGATE],
    ['a high surrogate at the end', 'ab\ud83d', 2, 0xd83d, LONE_SURROGATE],
    ['a low surrogate alone', '\udfff', 0, 0xdfff, LONE_SURROGATE],
    ['a low surrogate after a letter', 'a\udc00b', 1, 0xdc00, LONE_SURROGATE],
    ['a pair the wrong way round', '\ude00\ud83d', 0, 0xde00, LONE_SURROGATE],
    ['two high surrogates', '\ud83d\ud83d\ude00', 0, 0xd83d, LONE_SURROGATE],
    ['a low surrogate after a complete pair', '\ud83d\ude00\ude00', 2, 0xde00, LONE_SURROGATE],
    ['NUL after an emoji', '😀\u0000', 2, 0x0000, NUL],
  ])('refuses %s, naming the first offending character', (_what, value, index, codePoint, message) => {
    expect(unstorableCharacter(value)).toEqual({ index, codePoint, message });
  });

  it.each([
    ['empty', ''],
    ['ASCII', 'Arc Lamp 2000 (walnut) - 50% off!'],
    ['Latin with diacritics', 'Crème brûlée, Ærøskøbing, Łódź'],
    ['astral plane', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𠜎𠜱 \u{10000} \u{1f9ea}'],
    ['combining marks', 'e\u0301\u0327 Z\u0351\u0361\u0307a\u0316\u0345l\u0335go'],
    ['right-to-left text and marks', 'שלום \u200fمرحبا\u200e \u202bembedded\u202c'],
    ['emoji and ZWJ sequences', '😀 👩‍👩‍👧 🏳️‍🌈 👍🏽 🇪🇺'],
    ['Unicode non-characters', '\ufffe\uffff\ufdd0\ufdef\u{1fffe}\u{1ffff}\u{10fffe}\u{10ffff}'],
    ['the byte-order mark and the replacement character', '\ufeffa\ufffd'],
    ['private use characters', '\ue000\uf8ff\u{f0000}\u{10fffd}'],
    ['control characters other than NUL', '\u0001\u0008\t\n\r\u001f\u007f\u0085\u009f'],
    ['line and paragraph separators', 'a\u2028b\u2029c'],
    ['a very long string', '😀é'.repeat(500_000)],
  ])('allows %s', (_what, value) => {
    expect(unstorableCharacter(value)).toBeNull();
  });

  it('refuses exactly NUL and the surrogates among all 65,536 single UTF-16 code units', () => {
    const refused: number[] = [];
    for (let unit = 0; unit <= 0xffff; unit++) {
      if (unstorableCharacter(String.fromCharCode(unit))) refused.push(unit);
    }
    expect(refused).toEqual([0, ...Array.from({ length: 0x800 }, (_, i) => 0xd800 + i)]);
  });

  it('allows every one of the 66 non-characters, and every astral code point', () => {
    const nonCharacters = [
      ...Array.from({ length: 32 }, (_, i) => 0xfdd0 + i),
      ...Array.from({ length: 17 }, (_, plane) => [plane * 0x10000 + 0xfffe, plane * 0x10000 + 0xffff]).flat(),
    ];
    expect(nonCharacters).toHaveLength(66);
    expect(nonCharacters.filter((c) => unstorableCharacter(`a${String.fromCodePoint(c)}b`))).toEqual([]);
    let astral = '';
    for (let c = 0x10000; c <= 0x10ffff; c++) astral += String.fromCodePoint(c);
    expect(unstorableCharacter(astral)).toBeNull();
  });
});

describe('unstorableStrings', () => {
  it('names every bad string by its path, through lists and objects (names included)', () => {
    const value = {
      name: 'ok',
      attributes: [
        { name: 'colour', value: 'r\u0000ed' },
        { name: 'size', value: 'L' },
      ],
      tags: ['fine', '\ud800'],
      'we\u0000ird': 1,
      nested: { deeper: { still: 'x\udc00' } },
      when: new Date(0),
      count: 3,
    };
    expect(unstorableStrings(value, 'input')).toEqual([
      { field: 'input.attributes.0.value', message: NUL },
      { field: 'input.tags.1', message: LONE_SURROGATE },
      { field: 'input.we\u0000ird', message: NUL },
      { field: 'input.nested.deeper.still', message: LONE_SURROGATE },
    ]);
  });

  it('walks a value nested far deeper than the call stack goes', () => {
    let value: unknown = 'bottom\u0000';
    for (let i = 0; i < 200_000; i++) value = [value];
    expect(unstorableStrings(value, 'deep')).toHaveLength(1);
  });

  it('throws one BAD_USER_INPUT for all the arguments, like fromZodError', () => {
    expect(() => refuseUnstorableStrings({ id: 'a', input: { name: 'b' } })).not.toThrow();
    expect(() =>
      refuseUnstorableStrings({ query: 'lamp\u0000', filter: { attributes: [{ name: '\ud800' }] } }),
    ).toThrow(
      expect.objectContaining({
        message: `Invalid arguments: query: ${NUL}; filter.attributes.0.name: ${LONE_SURROGATE}`,
        extensions: {
          code: 'BAD_USER_INPUT',
          fields: [
            { field: 'query', message: NUL },
            { field: 'filter.attributes.0.name', message: LONE_SURROGATE },
          ],
        },
      }),
    );
  });
});

describe('guardStringArguments', () => {
  const sdl = `
    input AttributeInput { name: String!, value: String! }
    input ProductInput { name: String!, tags: [String!], attributes: [AttributeInput!] }
    type Product { id: ID!, name: String!, label(locale: String): String! }
    type Query { product(id: ID!): Product, hello: String! }
    type Mutation { createProduct(input: ProductInput!): Product! }
  `;
  let calls: string[];
  const schema = guardStringArguments(
    (() => {
      const s = buildSchema(sdl);
      const product = (name: string) => ({ id: 'p1', name, label: `label of ${name}` });
      s.getQueryType()!.getFields()['product']!.resolve = (_src, args: { id: string }) => {
        calls.push(`product(${args.id})`);
        return product('Lamp');
      };
      s.getQueryType()!.getFields()['hello']!.resolve = () => 'hi';
      s.getMutationType()!.getFields()['createProduct']!.resolve = (_src, args: { input: { name: string } }) => {
        calls.push(`createProduct(${args.input.name})`);
        return product(args.input.name);
      };
      return s;
    })(),
  );
  const run = (source: string, variableValues?: Record<string, unknown>) =>
    graphql({ schema, source, ...(variableValues ? { variableValues } : {}) });
  const problems = (errors: readonly GraphQLError[] | undefined) =>
    (errors ?? []).map((e) => ({ path: e.path, code: e.extensions['code'], fields: e.extensions['fields'] }));

  beforeEach(() => {
    calls = [];
  });

  it('lets well-formed strings through to the resolver unchanged', async () => {
    const name = 'Lämp 😀 \ufffe e\u0301 שלום';
    const result = await run(
      'mutation($input: ProductInput!) { createProduct(input: $input) { id name label(locale: "fr") } }',
      { input: { name, tags: ['a'], attributes: [{ name: 'colour', value: 'red' }] } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ createProduct: { id: 'p1', name, label: `label of ${name}` } });
    expect(calls).toEqual([`createProduct(${name})`]);
  });

  it('refuses a bad string in a variable, nested in lists and objects, before the resolver runs', async () => {
    const result = await run('mutation($input: ProductInput!) { createProduct(input: $input) { id } }', {
      input: { name: 'ok', tags: ['x', 'y\ud83d'], attributes: [{ name: 'colour', value: 're\u0000d' }] },
    });
    expect(problems(result.errors)).toEqual([
      {
        path: ['createProduct'],
        code: 'BAD_USER_INPUT',
        fields: [
          { field: 'input.tags.1', message: LONE_SURROGATE },
          { field: 'input.attributes.0.value', message: NUL },
        ],
      },
    ]);
    expect(calls).toEqual([]);
  });

  it('refuses a bad string written inline in the document (a \\u0000 escape)', async () => {
    const result = await run('{ product(id: "p\\u0000") { id } }');
    expect(problems(result.errors)).toEqual([
      { path: ['product'], code: 'BAD_USER_INPUT', fields: [{ field: 'id', message: NUL }] },
    ]);
    expect(calls).toEqual([]);
  });

  it('guards nested fields with arguments too, even those using the default resolver', async () => {
    const result = await run('query($l: String) { product(id: "p1") { name label(locale: $l) } }', {
      l: 'fr\u0000',
    });
    expect(calls).toEqual(['product(p1)']);
    expect(problems(result.errors)).toEqual([
      { path: ['product', 'label'], code: 'BAD_USER_INPUT', fields: [{ field: 'locale', message: NUL }] },
    ]);
  });

  it('leaves fields without arguments as they were', async () => {
    expect((await run('{ hello }')).data).toEqual({ hello: 'hi' });
  });
});
