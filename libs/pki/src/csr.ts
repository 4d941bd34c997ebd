import { generateKeys, privateKeyPem, SIGNING_ALGORITHM, x509 } from './crypto';

/** An agent's own key, and the request it sends to enroll (the key never leaves the host). */
export async function createKeyAndCsr(commonName: string): Promise<{ keyPem: string; csrPem: string }> {
  const keys = await generateKeys();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName.replace(/[,=+<>#;"\\]/g, '_')}`,
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
  });
  return { keyPem: await privateKeyPem(keys.privateKey), csrPem: csr.toString('pem') };
}
