import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { problem } from './problem.filter';

/** What Node's HTTP parser refused, as the problem to answer (a request that never reached Express). */
export function clientErrorProblem(err: NodeJS.ErrnoException) {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return problem(431, 'headers_too_large', 'the request line and headers are larger than 16 KB');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return problem(413, 'payload_too_large', 'the chunk extensions of the request body are too large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return problem(408, 'request_timeout', 'the request was not received in time');
    default:
      return problem(400, 'validation_failed', 'the request is not valid HTTP/1.1');
  }
}

/** A whole HTTP/1.1 answer carrying the problem, to write on a socket Express never saw. */
export function rawProblemResponse(err: NodeJS.ErrnoException): string {
  const p = clientErrorProblem(err);
  const body = JSON.stringify(p);
  return [
    `HTTP/1.1 ${p.status} ${STATUS_CODES[p.status] ?? 'Error'}`,
    'Content-Type: application/problem+json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

const answered = new WeakSet<Duplex>();

/**
 * The HTTP server's `clientError` listener: Node's own answers (431 for headers over 16 KB, 400
 * for malformed HTTP, 408) have no body; this one sends a problem+json like every other error,
 * then closes the connection (the parser cannot go on after an error). Once per socket: the
 * parser reports the same error again for each chunk that still arrives.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // answered already: the answer is being flushed, and the socket closes once it is
  if (answered.has(socket)) return;
  // a response already under way on this socket cannot be followed by another
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  answered.add(socket);
  socket.end(rawProblemResponse(err), () => socket.destroy());
}
