import { hashPassword, verifyPassword } from './password';

describe('password hashing', () => {
  it('stores scrypt parameters with a random salt and verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery', 14);
    const b = await hashPassword('correct horse battery', 14);
    expect(a).toMatch(/^scrypt\$14\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
  });

  it('rejects malformed stored values instead of throwing', async () => {
    for (const stored of ['', 'plain', 'bcrypt$10$abc', 'scrypt$14$8$1$only-salt']) {
      expect(await verifyPassword('anything', stored)).toBe(false);
    }
  });
});
