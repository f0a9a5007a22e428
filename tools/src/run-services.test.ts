import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bannerText } from './run-services';
import { generateSample, SAMPLE_PASSWORD, SAMPLE_STAFF_EMAIL, sampleCustomer } from './sample-data';

describe("scripts/start's banner", () => {
  const customer = sampleCustomer();
  const text = bannerText({
    gatewayUrl: 'http://127.0.0.1:4000/graphql',
    seconds: 12.34,
    services: [
      { name: 'gateway', metricsPort: 9400 },
      { name: 'accounts', metricsPort: 9401 },
      { name: 'catalog', metricsPort: 9402 },
    ],
    metricsHost: '127.0.0.1',
    customerEmail: customer.email,
  });

  it('says the product is up and where (scripts/start --detach waits for "Polystore is up")', () => {
    expect(text).toContain('Polystore is up in 12.3 s: http://127.0.0.1:4000/graphql');
  });

  it('names a sample customer and the sample staff user to sign in as, with their password', () => {
    expect(text).toContain(
      `sign in (password ${SAMPLE_PASSWORD}): customer ${customer.email}, staff ${SAMPLE_STAFF_EMAIL}`,
    );
  });

  it('lists every metrics port, the gateway first', () => {
    expect(text).toContain('metrics: gateway :9400, accounts :9401, catalog :9402 (http://127.0.0.1:<port>/metrics)');
  });
});

describe('the sample customer the banner names', () => {
  it('is a customer of the default sample, not the staff user', () => {
    const sample = generateSample();
    expect(sample.users.map((u) => u.email)).toContain(sampleCustomer(sample).email);
    expect(sampleCustomer(sample).email).not.toBe(SAMPLE_STAFF_EMAIL);
  });

  it('is the one the README names, with the staff user and the password', () => {
    const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    expect(readme).toContain(`\`${sampleCustomer().email}\``);
    expect(readme).toContain(`\`${SAMPLE_STAFF_EMAIL}\``);
    expect(readme).toContain(`\`${SAMPLE_PASSWORD}\``);
  });
});
