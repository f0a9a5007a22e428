import path from 'node:path';
import { runFixture } from '../../../../test-support/events';

// runService with a background worker, in a process of its own (the built platform), sent SIGTERM.
describe('a service with background workers', () => {
  it('starts them once its stores are ready and drains them on SIGTERM before it closes the stores', async () => {
    const { child, exit } = runFixture(path.join(__dirname, 'fixtures', 'service.js'), {});
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    for (let i = 0; i < 200 && !output.includes('worker started'); i++) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGTERM');
    const { code } = await exit;
    expect(output.trim().split('\n')).toEqual([
      'stores ready',
      'worker started',
      'worker asked to drain',
      'worker finished its batch',
      'service stopped, stores closed',
    ]);
    expect(code).toBe(0);
  });
});
