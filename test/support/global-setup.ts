/** Fails fast with a clear message when the services the suite needs are not running. */
import { createConnection } from 'node:net';

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export default async function setup(): Promise<void> {
  if (!(await reachable('127.0.0.1', 5432))) {
    throw new Error(
      'PostgreSQL is not reachable on 127.0.0.1:5432; start it (see .ci/run) or set TEST_PG_URL',
    );
  }
}
