import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { redisAclRules, REDIS_USERS } from './redis-acl';

const ROOT = path.resolve(__dirname, '../../../..');

describe('Redis users', () => {
  it('give a consumer only the consumer commands on a stream it reads, and its own dead letters', () => {
    expect(redisAclRules('search')).toEqual([
      '~events:{catalog}:product:dlq:search',
      '~events:{catalog}:category:dlq:search',
      '+@all',
      '-@admin',
      '-@dangerous',
      expect.stringMatching(/^\(~events:\{catalog\}:product \+xreadgroup \+xack .*\)$/),
      expect.stringMatching(/^\(~events:\{catalog\}:category \+xreadgroup /),
    ]);
    for (const selector of redisAclRules('orders').filter((r) => r.startsWith('('))) {
      expect(selector).not.toMatch(/\+xadd|\+xdel|\+xtrim|\+del|\+@/);
    }
  });

  it('give a producer its key space and its own streams', () => {
    expect(redisAclRules('catalog')).toEqual([
      '~cat:*',
      '&cat:*',
      '~events:{catalog}:product',
      '~events:{catalog}:category',
      '+@all',
      '-@admin',
      '-@dangerous',
    ]);
    expect(redisAclRules('gateway')).toEqual(['~gw:*', '&gw:*', '+@all', '-@admin', '-@dangerous']);
  });

  it('are what scripts/lib/stores.sh writes for the local stack', () => {
    const script = readFileSync(path.join(ROOT, 'scripts/lib/stores.sh'), 'utf8');
    const acl = script.slice(
      script.indexOf('users.acl" <<EOF'),
      script.indexOf('\nEOF', script.indexOf('users.acl" <<EOF')),
    );
    const users = Object.fromEntries(
      [...acl.matchAll(/^user (\w+) on >\$(\w+) (.*)$/gm)].map(([, name, password, rules]) => [
        name,
        { password, rules },
      ]),
    );
    for (const user of REDIS_USERS) {
      expect([user, users[user]?.rules]).toEqual([user, redisAclRules(user).join(' ')]);
      expect(script).toMatch(new RegExp(`echo REDIS_ADMIN_PASSWORD .*\\b${users[user]!.password}\\b`));
    }
  });

  it('are what docker-compose.yml gives its Redis (every service user; operators use admin there)', () => {
    const compose = parse(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: { redis: { command: string[] } };
    };
    const args = compose.services.redis.command;
    const users: Record<string, string[]> = {};
    for (let i = args.indexOf('--user'); i >= 0; i = args.indexOf('--user', i + 1)) {
      const end = args.indexOf('--user', i + 1);
      const [name, on, password, ...rules] = args.slice(i + 1, end < 0 ? undefined : end);
      if (name === 'default') {
        expect(on).toBe('off');
        continue;
      }
      expect([name, on, password?.startsWith('>')]).toEqual([name, 'on', true]);
      users[name!] = rules;
    }
    for (const user of REDIS_USERS.filter((u) => u !== 'events')) {
      expect([user, users[user]]).toEqual([user, redisAclRules(user)]);
    }
  });
});
