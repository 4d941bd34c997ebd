import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenRange, pickListenPort } from './listen-port';

describe('pickListenPort', () => {
  it('picks a port below the ephemeral range that can be listened on', async () => {
    const [low, high] = listenRange();
    const port = await pickListenPort('127.0.0.1');
    expect(port).toBeGreaterThanOrEqual(low);
    expect(port).toBeLessThan(high);
    const srv = createServer();
    await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => srv.close(resolve));
  });

  it('reads the ephemeral range, and leaves none when it starts below 20000', () => {
    const dir = mkdtempSync(join(tmpdir(), 'range-'));
    writeFileSync(join(dir, 'r'), '32768\t60999\n');
    expect(listenRange(join(dir, 'r'))).toEqual([20_000, 32_768]);
    writeFileSync(join(dir, 'r'), '1024\t65535\n');
    expect(listenRange(join(dir, 'r'))).toEqual([20_000, 20_000]);
    expect(listenRange(join(dir, 'missing'))).toEqual([20_000, 32_768]);
  });
});
