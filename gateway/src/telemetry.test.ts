import { loadConfig } from '@polystore/platform';
import { telemetryEnv, withApolloTelemetry } from './telemetry';

// @apollo/gateway reads APOLLO_TELEMETRY_DISABLED in its constructor only: what matters is the value
// the constructor sees, and that the environment is left as it was.
describe('Apollo’s telemetry around the ApolloGateway constructor', () => {
  const given = process.env['APOLLO_TELEMETRY_DISABLED'];
  afterEach(() => {
    if (given === undefined) delete process.env['APOLLO_TELEMETRY_DISABLED'];
    else process.env['APOLLO_TELEMETRY_DISABLED'] = given;
  });
  const seen = () => process.env['APOLLO_TELEMETRY_DISABLED'];

  it.each([undefined, 'false', '0', 'true'])('is off, whatever APOLLO_TELEMETRY_DISABLED is (%s)', (value) => {
    if (value === undefined) delete process.env['APOLLO_TELEMETRY_DISABLED'];
    else process.env['APOLLO_TELEMETRY_DISABLED'] = value;
    expect(withApolloTelemetry(false, seen)).toBe('true');
    expect(seen()).toBe(value);
  });

  it('is on only when Polystore is told so, and the variable is put back', () => {
    process.env['APOLLO_TELEMETRY_DISABLED'] = 'true';
    expect(withApolloTelemetry(true, seen)).toBeUndefined();
    expect(seen()).toBe('true');
  });

  it('is put back when the constructor throws', () => {
    process.env['APOLLO_TELEMETRY_DISABLED'] = 'false';
    expect(() =>
      withApolloTelemetry(false, () => {
        throw new Error('bad supergraph');
      }),
    ).toThrow('bad supergraph');
    expect(seen()).toBe('false');
  });

  it('is turned on by GATEWAY_APOLLO_TELEMETRY=true only (default off)', () => {
    const read = (env: Record<string, string>) => loadConfig('gateway', telemetryEnv, env).GATEWAY_APOLLO_TELEMETRY;
    expect([read({}), read({ GATEWAY_APOLLO_TELEMETRY: 'false' }), read({ GATEWAY_APOLLO_TELEMETRY: 'true' })]).toEqual(
      [false, false, true],
    );
  });
});
