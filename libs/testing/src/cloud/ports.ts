import { connect } from 'node:net';
import { pickListenPort } from '@xenplane/config';

/** A TCP port free on 127.0.0.1 right now, outside the range outgoing connections take theirs from. */
export function freePort(): Promise<number> {
  return pickListenPort('127.0.0.1');
}

/** Whether something listens on host:port now (a connection is made, and closed at once). */
export function acceptsConnections(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
