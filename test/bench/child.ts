/** Shared start-up and shutdown for the bench's own child servers (mock upstream, thin proxy). */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Tells the parent which port was chosen: one `READY <port>` line on stdout. */
export function reportReady(server: Server): void {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`READY ${port}\n`);
}

/** Exits when the parent goes away (its end of our stdin closes) or asks politely. */
export function exitWithParent(server: Server): void {
  const stop = (): void => {
    server.closeAllConnections();
    server.close();
    process.exit(0);
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
