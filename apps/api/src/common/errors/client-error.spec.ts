import { PassThrough } from 'node:stream';
import { answerClientError, rawProblemResponse } from './client-error';

const parseError = (code: string) => Object.assign(new Error(code), { code });

/** A socket's writable side, recording what was written and whether it was destroyed. */
function fakeSocket() {
  const socket = new PassThrough();
  const written: Buffer[] = [];
  socket.on('data', (c: Buffer) => written.push(c));
  return { socket, text: () => Buffer.concat(written).toString('utf8') };
}

describe('answers to what Node cannot parse', () => {
  it('are whole HTTP/1.1 responses carrying a problem, their length counted in bytes', () => {
    const raw = rawProblemResponse(parseError('HPE_HEADER_OVERFLOW'));
    const [head, body] = raw.split('\r\n\r\n') as [string, string];
    expect(head.split('\r\n')).toEqual([
      'HTTP/1.1 431 Request Header Fields Too Large',
      'Content-Type: application/problem+json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
    ]);
    expect(JSON.parse(body)).toEqual({
      type: 'https://xenplane.dev/problems/headers_too_large',
      title: 'Request Header Fields Too Large',
      status: 431,
      detail: expect.stringContaining('16 KB'),
      code: 'headers_too_large',
    });
  });

  it.each([
    ['HPE_INVALID_METHOD', 400, 'validation_failed'],
    ['HPE_UNEXPECTED_CONTENT_LENGTH', 400, 'validation_failed'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'payload_too_large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
  ])('%s is %i %s', (code, status, problemCode) => {
    const raw = rawProblemResponse(parseError(code));
    expect(raw.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ status, code: problemCode });
  });

  it('answer once per socket, then close it; a reset socket is closed without an answer', async () => {
    const { socket, text } = fakeSocket();
    const closed = new Promise((resolve) => socket.on('close', resolve));
    answerClientError(parseError('HPE_HEADER_OVERFLOW'), socket);
    // the parser reports its error again for the chunks that still arrive
    answerClientError(parseError('HPE_HEADER_OVERFLOW'), socket);
    await closed;
    expect(text().match(/HTTP\/1\.1 431/g)).toHaveLength(1);

    const reset = fakeSocket();
    answerClientError(parseError('ECONNRESET'), reset.socket);
    expect(reset.socket.destroyed).toBe(true);
    expect(reset.text()).toBe('');
  });
});
