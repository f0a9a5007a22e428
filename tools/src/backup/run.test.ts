import { summary } from './run';

it("sums up a part's objects and files in a few words", () => {
  expect(
    summary({
      objects: [
        { kind: 'table', name: 'users', count: 1200, checksum: 'a' },
        { kind: 'table', name: 'roles', count: 1, checksum: 'b' },
        { kind: 'index', name: 'users/users_pkey', checksum: 'c' },
        { kind: 'stream', name: '{catalog}:product', count: 5, checksum: 'd' },
      ],
      files: [
        { path: 'a', bytes: 1_500_000, sha256: '0'.repeat(64) },
        { path: 'b', bytes: 500_000, sha256: '0'.repeat(64) },
      ],
    }),
  ).toBe('2 tables (1,201 rows), 1 index, 1 stream (5 entries); 2 files, 2.0 MB');
});
