/**
 * A TCP relay between split-mode gateways and their control plane, to lose acknowledgements on
 * purpose: while muted, what gateways send still reaches the control plane (usage reports are
 * applied) but nothing comes back, so every report of that moment is applied and unacknowledged
 * — exactly what a control plane killed right after applying leaves behind. `cut()` ends every
 * connection (as the kill does) and unmutes; new connections go to the target port again, so a
 * control plane restarted on its port is reached through the same relay.
 */
import { createServer, Socket, type Server } from 'node:net';

export interface Relay {
  url: string;
  mute(): void;
  /** Destroys every relayed connection and unmutes. */
  cut(): void;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number): Promise<Relay> {
  const sockets = new Set<Socket>();
  let muted = false;
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    upstream.connect(targetPort, '127.0.0.1');
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (!muted) client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined); // the target is down or was killed: both ends close
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(socket);
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    mute: () => {
      muted = true;
    },
    cut: () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      muted = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
