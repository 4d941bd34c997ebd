import { createXenplane, type Xenplane } from '@xenplane/sdk';
import { randomUuid } from '../lib/ids';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The SDK's client for a signed-in token, at this page's origin (the API serves the console).
 * Idempotency keys are made here, not by the SDK: its crypto.randomUUID is missing on a plain-http
 * address that is not localhost.
 */
export function clientFor(token: string, baseUrl = window.location.origin): Xenplane {
  return createXenplane({
    baseUrl,
    token,
    userAgent: 'xenplane-console',
    idempotencyKeys: false,
    fetch: (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      if (WRITES.has(request.method) && !request.headers.has('idempotency-key'))
        request.headers.set('idempotency-key', randomUuid());
      return fetch(request);
    },
  });
}
