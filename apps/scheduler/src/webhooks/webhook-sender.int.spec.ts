import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@xenplane/testing';
import { sendDelivery } from './webhook-sender';

describe('sendDelivery (a receiver on this machine)', () => {
  let server: Server;
  let port: number;
  const got: { headers: IncomingMessage['headers']; body: string }[] = [];
  let answer: (res: ServerResponse) => void = (res) => res.end();

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push({ headers: req.headers, body });
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    got.length = 0;
    answer = (res) => res.end();
  });

  const send = (url: string, allowPrivate = true, timeoutMs = 2_000) =>
    sendDelivery({ url, headers: { 'x-xenplane-event': 'vm.state' }, body: '{"a":1}', timeoutMs, allowPrivate });

  it("POSTs the body and headers, and answers the receiver's status", async () => {
    answer = (res) => {
      res.statusCode = 202;
      res.end('ignored');
    };
    expect(await send(`http://127.0.0.1:${port}/hook`)).toEqual({ statusCode: 202 });
    expect(got).toEqual([
      { headers: expect.objectContaining({ 'x-xenplane-event': 'vm.state', 'content-length': '7' }), body: '{"a":1}' },
    ]);
  });

  it('does not follow a redirect: a 3xx is an answer like any other', async () => {
    answer = (res) => {
      res.statusCode = 302;
      res.setHeader('location', 'http://169.254.169.254/');
      res.end();
    };
    expect(await send(`http://127.0.0.1:${port}/hook`)).toEqual({ statusCode: 302 });
    expect(got).toHaveLength(1);
  });

  it('refuses a name that resolves to a loopback address when private addresses are off, before connecting', async () => {
    const result = await send(`http://localhost:${port}/hook`, false);
    expect(result).toEqual({ error: expect.stringMatching(/^refused: localhost resolves to .*loopback/) });
    expect(got).toEqual([]);
    // allowed by default
    expect(await send(`http://localhost:${port}/hook`)).toEqual({ statusCode: 200 });
  });

  it('refuses a link-local literal address whatever the setting', async () => {
    expect(await send('http://169.254.169.254/latest/meta-data/')).toEqual({
      error: expect.stringContaining('refused: 169.254.169.254 is a link-local'),
    });
  });

  it('gives up on a receiver that does not answer in time, and says why', async () => {
    answer = () => undefined; // never answers
    expect(await send(`http://127.0.0.1:${port}/slow`, true, 200)).toEqual({ error: 'no answer within 200 ms' });
  });

  it('says a connection was refused', async () => {
    const closed = await freePort();
    expect(await send(`http://127.0.0.1:${closed}/`)).toEqual({ error: expect.stringMatching(/^ECONNREFUSED/) });
  });
});
