/**
 * A loopback Microsoft Entra ID for AKS workload identity: an HTTPS server (self-signed
 * certificate made with openssl in a temp dir) answering the tenant's OpenID configuration and its
 * token endpoint (client-credentials grant with the federated `client_assertion`), reached through
 * a CONNECT proxy that sends every tunnel to it — so `login.microsoftonline.com`, the authority the
 * AKS webhook sets in AZURE_AUTHORITY_HOST, resolves here through HTTPS_PROXY, as @azure/identity
 * honours it. No real network.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ENTRA_HOST = 'login.microsoftonline.com';

export interface EntraMock {
  /** `http://127.0.0.1:<port>`: set as HTTPS_PROXY. */
  readonly proxyUrl: string;
  /** Token requests seen (form fields). */
  readonly tokenRequests: URLSearchParams[];
  /** The federated token a request must present as `client_assertion`. */
  assertion: string;
  issued: number;
  close(): Promise<void>;
}

const closeAll = (server: Server, sockets: Set<Socket>) =>
  new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  });

export async function startEntraMock(assertion: string): Promise<EntraMock> {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-entra-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${ENTRA_HOST}`,
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  rmSync(dir, { recursive: true, force: true });

  const state = { tokenRequests: [] as URLSearchParams[], assertion, issued: 0 };
  const httpsSockets = new Set<Socket>();
  const https = createHttpsServer(tls, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', `https://${ENTRA_HOST}`);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const openid = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
      if (openid) {
        const base = `https://${ENTRA_HOST}/${openid[1]}`;
        return json(200, {
          token_endpoint: `${base}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          issuer: `${base}/v2.0`,
          jwks_uri: `${base}/discovery/v2.0/keys`,
        });
      }
      if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(url.pathname)) {
        const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
        state.tokenRequests.push(form);
        if (form.get('client_assertion') !== state.assertion)
          return json(401, { error: 'invalid_client', error_description: 'AADSTS700024: assertion invalid' });
        state.issued++;
        return json(200, {
          token_type: 'Bearer',
          expires_in: 3599,
          access_token: `entra-wi-token-${state.issued}-0123456789`,
        });
      }
      json(404, { error: 'not_found' });
    });
  });
  https.on('connection', (socket: Socket) => {
    httpsSockets.add(socket);
    socket.on('close', () => httpsSockets.delete(socket));
  });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  const httpsPort = (https.address() as AddressInfo).port;

  const proxySockets = new Set<Socket>();
  const proxy = createHttpServer((_req, res) => {
    res.writeHead(405);
    res.end();
  });
  proxy.on('connect', (_req, client: Socket, head: Buffer) => {
    proxySockets.add(client);
    const target = connect(httpsPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      target.write(head);
      target.pipe(client);
      client.pipe(target);
    });
    proxySockets.add(target);
    const drop = () => {
      target.destroy();
      client.destroy();
    };
    target.on('error', drop);
    client.on('error', drop);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyPort = (proxy.address() as AddressInfo).port;

  return Object.assign(state, {
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    close: async () => {
      await closeAll(proxy, proxySockets);
      await closeAll(https, httpsSockets);
    },
  });
}
