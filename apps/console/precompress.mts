// Compressed copies of the console's files, made once at build time: the API sends the .br or
// .gz a browser accepts instead of compressing the same immutable bytes on every request.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/** What is worth compressing: text, and more than a packet's worth of it. */
const COMPRESSIBLE = /\.(js|css|html|svg|json)$/;
const MIN_BYTES = 1024;

export function precompress(): Plugin {
  return {
    name: 'xenplane-precompress',
    apply: 'build',
    async writeBundle(options, bundle) {
      // where this bundle was written (absolute; the config's outDir may be relative to the root)
      const dir = options.dir ?? '';
      const files = Object.keys(bundle).filter((f) => COMPRESSIBLE.test(f));
      await Promise.all(files.map((f) => compressFile(join(dir, f))));
    },
  };
}

async function compressFile(path: string): Promise<void> {
  const bytes = await readFile(path);
  if (bytes.length < MIN_BYTES) return;
  const br = brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
  await Promise.all([writeFile(`${path}.br`, br), writeFile(`${path}.gz`, gzipSync(bytes, { level: 9 }))]);
}
