import { z } from 'zod';
import { ConfigError, defaultPoolSize, loadConfig, redactUrl, urlWithScheme } from './config';

describe('loadConfig', () => {
  const shape = { DATABASE_URL: urlWithScheme('postgresql'), PORT: z.coerce.number().int().default(4001) };

  it('parses and applies defaults', () => {
    expect(loadConfig('svc', shape, { DATABASE_URL: 'postgresql://u:p@h/db' })).toEqual({
      DATABASE_URL: 'postgresql://u:p@h/db',
      PORT: 4001,
    });
  });

  it('reports every problem at once, naming the variables', () => {
    expect(() => loadConfig('svc', shape, { DATABASE_URL: 'mysql://x', PORT: 'abc' })).toThrow(ConfigError);
    try {
      loadConfig('svc', shape, { DATABASE_URL: 'mysql://x', PORT: 'abc' });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        expect.stringMatching(/^DATABASE_URL: must be a URL with scheme postgresql/),
        expect.stringMatching(/^PORT: /),
      ]);
    }
  });
});

describe('helpers', () => {
  it('redact passwords in URLs', () => {
    expect(redactUrl('postgresql://accounts:s3cret@127.0.0.1:5432/accounts')).toBe(
      'postgresql://accounts:***@127.0.0.1:5432/accounts',
    );
  });

  it('size pools at min(32, CPU × 2)', () => {
    expect([1, 2, 8, 16, 64].map(defaultPoolSize)).toEqual([2, 4, 16, 32, 32]);
  });
});
