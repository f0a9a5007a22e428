import { deadLetterKey, STREAMS } from './streams';

/** Each service's own Redis key space, where it has one (m2m/README.md). */
const KEY_SPACES: Record<string, string> = { gateway: 'gw', accounts: 'acc', catalog: 'cat', cart: 'cart' };

/** Every Redis user: one per service, plus `events`, the operators' (npm run events) on every stream. */
export const REDIS_USERS = [
  'gateway',
  'accounts',
  'catalog',
  'cart',
  'orders',
  'payments',
  'search',
  'events',
] as const;

/**
 * What a consumer group member runs on a stream it reads: read, ack, claim, inspect. Not XADD,
 * XDEL or XTRIM: a consumer cannot write into, or erase from, another service's stream. (Redis's
 * `%R~` read-only key permission is not enough: XREADGROUP, XACK and XAUTOCLAIM are writes, since
 * they move the group's state; so the consumer's rights on the stream are a selector binding the
 * key to these commands.)
 */
const CONSUMER_COMMANDS = [
  '+xreadgroup',
  '+xack',
  '+xautoclaim',
  '+xclaim',
  '+xpending',
  '+xgroup|create',
  '+xgroup|createconsumer',
  '+xinfo|groups',
  '+xinfo|stream',
  '+xinfo|consumers',
  '+xlen',
  '+xrange',
  '+exists',
];

const ROOT_COMMANDS = ['+@all', '-@admin', '-@dangerous'];

/**
 * The ACL rules of a Redis user (everything after `user <name> on ><password>`), derived from the
 * stream declarations: its own key space; the streams it produces (all of it: it owns them); the
 * dead-letter streams of its groups; and, per stream it consumes, a selector with the consumer's
 * commands only. scripts/lib/stores.sh and docker-compose.yml hold these (a unit test compares).
 */
export function redisAclRules(user: string): string[] {
  if (user === 'events') return ['~events:*', '&events:*', ...ROOT_COMMANDS];
  if (!(REDIS_USERS as readonly string[]).includes(user)) throw new Error(`no Redis user ${user}`);
  const space = KEY_SPACES[user];
  const produced = STREAMS.filter((s) => s.producer === user).map((s) => `~${s.key}`);
  const consumed = STREAMS.filter((s) => s.groups.includes(user));
  const deadLetters = consumed.map((s) => `~${deadLetterKey(s.key, user)}`);
  const root = [...(space ? [`~${space}:*`, `&${space}:*`] : []), ...produced, ...deadLetters];
  const selectors = consumed.map((s) => `(~${s.key} ${CONSUMER_COMMANDS.join(' ')})`);
  return [...root, ...ROOT_COMMANDS, ...selectors];
}
