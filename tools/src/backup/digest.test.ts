import { canonicalJson, UnorderedDigest } from './digest';

const digestOf = (items: string[]) => {
  const digest = new UnorderedDigest();
  items.forEach((i) => digest.add(i));
  return digest;
};

it('gives the same checksum for the same items in any order, another for other items', () => {
  expect(digestOf(['a', 'b', 'c']).hex).toBe(digestOf(['c', 'a', 'b']).hex);
  expect(digestOf(['a', 'b', 'c']).hex).not.toBe(digestOf(['a', 'b', 'd']).hex);
  expect(digestOf(['a', 'a']).hex).not.toBe(digestOf(['a']).hex);
  expect(digestOf(['a', 'b']).count).toBe(2);
});

it('merges two digests into the digest of all their items', () => {
  const merged = digestOf(['a']);
  merged.merge(digestOf(['b', 'c']));
  expect(merged.hex).toBe(digestOf(['a', 'b', 'c']).hex);
  expect(merged.count).toBe(3);
});

it('writes JSON with sorted keys at every level, arrays in their order', () => {
  expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
    '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
  );
});
