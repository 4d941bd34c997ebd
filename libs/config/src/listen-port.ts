import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const LOWEST = 20_000;

/**
 * A port to listen on when none is configured, free on `host` now. Not the OS's pick (port 0):
 * that comes from the ephemeral range, where the OS also takes the local ports of outgoing
 * connections, so between our probe and the real listen another process's connection could
 * take it (EADDRINUSE). Below that range only another listener can, and the probe sees it.
 */
export async function pickListenPort(host = '127.0.0.1', attempts = 50): Promise<number> {
  const [low, high] = listenRange();
  for (let i = 0; high > low && i < attempts; i++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await canListen(port, host)) return port;
  }
  return osPickedPort(host);
}

/** [LOWEST, first ephemeral port), or empty when the ephemeral range starts lower. */
export function listenRange(rangeFile = '/proc/sys/net/ipv4/ip_local_port_range'): [number, number] {
  let ephemeralLow = 32_768; // Linux's default, and close to what other systems use
  try {
    ephemeralLow = Number(readFileSync(rangeFile, 'utf8').trim().split(/\s+/)[0]) || ephemeralLow;
  } catch {
    // not Linux: keep the default
  }
  return [LOWEST, Math.max(LOWEST, ephemeralLow)];
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

function osPickedPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}
