import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { addressRefusal } from '@xenplane/domain';

export interface Delivery {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
}

/** What an attempt got: the receiver's status, or why there was none (one short line). */
export type AttemptResult = { statusCode: number } | { error: string };

/** Thrown by the guarded lookup: the address a name resolved to is one webhooks may not reach. */
class AddressRefused extends Error {}

/**
 * POSTs one delivery. The address connected to is checked against the webhook address policy
 * (libs/domain addressRefusal) after the name is resolved, at every attempt: a name that
 * resolves to a metadata service today is refused even if it did not when the webhook was made.
 * Redirects are not followed (a 3xx is an answer like any other non-2xx). The receiver's body is
 * never read beyond its headers.
 */
export function sendDelivery(d: Delivery): Promise<AttemptResult> {
  let url: URL;
  try {
    url = new URL(d.url);
  } catch {
    return Promise.resolve({ error: 'the URL does not parse' });
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // a literal address is never looked up: check it here
  const literalRefusal = isIP(host) ? addressRefusal(host, d.allowPrivate) : null;
  if (literalRefusal) return Promise.resolve({ error: `refused: ${literalRefusal}` });
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<AttemptResult>((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...d.headers, 'content-length': String(Buffer.byteLength(d.body)) },
        lookup: guardedLookup(d.allowPrivate),
        signal: AbortSignal.timeout(d.timeoutMs),
        // one connection per attempt: a receiver's keep-alive is not worth a pool per URL
        agent: false,
      },
      (res) => {
        resolve({ statusCode: res.statusCode ?? 0 });
        res.destroy();
      },
    );
    req.on('error', (err) => resolve({ error: describe(err, d.timeoutMs) }));
    req.end(d.body);
  });
}

function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const allowed = addresses.filter((a) => addressRefusal(a.address, allowPrivate) === null);
      if (!allowed.length) {
        const why = addresses.map((a) => addressRefusal(a.address, allowPrivate)).find(Boolean);
        return callback(new AddressRefused(`refused: ${hostname} resolves to ${why}`), '', 0);
      }
      // net asks for every address (autoSelectFamily) or for one
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}

function describe(err: Error, timeoutMs: number): string {
  if (err instanceof AddressRefused) return err.message;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = (err as NodeJS.ErrnoException).code;
  return code ? `${code}: ${err.message}` : err.message;
}
