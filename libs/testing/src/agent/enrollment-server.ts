import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CertificateAuthority } from '@xenplane/pki';

export interface EnrollRequest {
  token: string;
  name: string;
  address: string;
  csrPem: string;
}

export interface EnrollmentServer {
  url: string;
  /** every request body it was sent */
  seen: EnrollRequest[];
  close(): Promise<void>;
}

/**
 * The control plane's POST /v1/hosts/enroll as the api answers it, for agents started without
 * one: 201 with a certificate the CA signs for `hostId`, or 403 for any token but `token`.
 */
export async function startEnrollmentServer(
  ca: CertificateAuthority,
  hostId: string,
  token: string,
): Promise<EnrollmentServer> {
  const seen: EnrollRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as EnrollRequest;
      seen.push(body);
      const answer = (status: number, payload: object) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      if (req.url !== '/v1/hosts/enroll' || body.token !== token)
        return answer(403, { detail: 'unknown enrollment token' });
      void ca
        .signHostCsr(body.csrPem, { hostId, address: body.address })
        .then((issued) =>
          answer(201, { hostId, poolId: randomUUID(), caCertificatePem: ca.caCertPem, certificatePem: issued.certPem }),
        );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
