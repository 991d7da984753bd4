/**
 * Serves the operator dashboard (clients/dashboard, built by scripts/build.mjs into
 * dist/dashboard) at `/` and under `/ui/`. Only GET/HEAD of `/`, `/ui` and `/ui/…` are claimed,
 * so nothing else (the inference routes, /graphql, /health, /metrics, a JSON 404 for unknown
 * API paths) is shadowed.
 *
 * Hashed assets (`/ui/assets/…`) are immutable for a year; index.html is `no-cache` so a new
 * build is picked up at once. Files are read from disk on each request (the OS caches them), with
 * the `.gz` twin the build writes when the client accepts gzip. A path that does not name a file
 * is a client route (`/ui/budgets`) and gets index.html, except under `/ui/assets/` where a
 * missing file is a real 404. No request path can leave the dashboard directory.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';
const PREFIX = '/ui';
const ASSETS = '/ui/assets/';

/**
 * HEIMDALL_DASHBOARD_DIR when set (a test's own build), else dist/dashboard from the sources
 * (api/) or from the compiled output (dist/api/).
 */
function defaultDirectory(): string {
  if (process.env.HEIMDALL_DASHBOARD_DIR) return resolve(process.env.HEIMDALL_DASHBOARD_DIR);
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [resolve(here, '../dashboard'), resolve(here, '../dist/dashboard')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[1]!;
}

function isDashboardPath(path: string): boolean {
  return path === '/' || path === PREFIX || path.startsWith(`${PREFIX}/`);
}

function decodePath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

/** The file under `root` that `relative` names, or undefined when it would leave `root` or is not a file. */
function fileUnder(root: string, relative: string): string | undefined {
  if (relative.includes('\0')) return undefined;
  const file = resolve(root, `.${sep}${relative}`);
  if (!file.startsWith(root + sep)) return undefined;
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return /\bgzip\b(?!;q=0(\.0*)?\b)/.test(value);
}

function sendText(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
  });
  res.end(html);
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Heimdall</title></head>
<body><h1>The dashboard is not built</h1><p>This Heimdall was installed without its development
dependencies, so the dashboard was not built. The GraphQL API is at <a href="/graphql">/graphql</a>.
Run <code>npm install</code> and <code>npm run build</code> (or use the Docker image) to get the dashboard.</p></body></html>\n`;

const NOT_FOUND = '<!doctype html><html lang="en"><title>Not found</title><p>Not found.</p></html>\n';

function sendFile(req: IncomingMessage, res: ServerResponse, file: string, cacheControl: string): void {
  const headers: Record<string, string | number> = {
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': cacheControl,
    'x-content-type-options': 'nosniff',
    vary: 'Accept-Encoding',
  };
  let body: Buffer;
  const gzipped = `${file}.gz`;
  if (acceptsGzip(req) && existsSync(gzipped)) {
    body = readFileSync(gzipped);
    headers['content-encoding'] = 'gzip';
  } else body = readFileSync(file);
  headers['content-length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

export interface DashboardFilesOptions {
  /** The built dashboard. @default dist/dashboard next to the running code */
  directory?: string;
}

/**
 * A handler that answers dashboard requests and returns true, or returns false without touching
 * the request for every other path and method.
 */
export function createDashboardFiles(
  options: DashboardFilesOptions = {},
): (req: IncomingMessage, res: ServerResponse) => boolean {
  let root: string | undefined = options.directory === undefined ? undefined : resolve(options.directory);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const rawPath = (req.url ?? '/').split('?', 1)[0]!;
    if (!isDashboardPath(rawPath)) return false;
    root ??= defaultDirectory();
    const index = join(root, 'index.html');
    if (!existsSync(index)) {
      sendText(res, 404, NOT_BUILT);
      return true;
    }
    const path = decodePath(rawPath);
    if (path !== undefined && path.split(/[\\/]/).includes('..')) {
      sendText(res, 404, NOT_FOUND);
      return true;
    }
    const relative = path?.startsWith(`${PREFIX}/`) ? path.slice(PREFIX.length + 1) : '';
    const file = path === undefined || relative === '' ? undefined : fileUnder(root, relative);
    if (file !== undefined && file !== index)
      sendFile(req, res, file, rawPath.startsWith(ASSETS) ? IMMUTABLE : 'no-cache');
    else if (rawPath.startsWith(ASSETS) || path === undefined) sendText(res, 404, NOT_FOUND);
    else sendFile(req, res, index, 'no-cache');
    return true;
  };
}

/** The dashboard served from dist/dashboard (what api/http-server.ts mounts). */
export const serveDashboard = createDashboardFiles();
