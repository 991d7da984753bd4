/**
 * `heimdall login`: opens an admin session (username and password) or checks an API token,
 * and stores the token for the endpoint in the user's credentials file (mode 0600).
 */
import { createHeimdallClient } from '../sdk/index.ts';
import type { CommandContext } from './commands.ts';
import { UsageError } from './commands.ts';
import { credentialsPath, readCredentials, writeCredentials, type StoredLogin } from './credentials.ts';
import { EXIT } from './io.ts';

export interface LoginFlags {
  username?: string;
  passwordStdin: boolean;
  token?: string;
}

export async function login(ctx: CommandContext, flags: LoginFlags): Promise<number> {
  const { io } = ctx;
  const path = credentialsPath(io.env);
  const viewer = await ctx.client.viewer();
  if (!viewer.authEnabled && !flags.token) {
    const message = `Control-plane auth is off at ${ctx.endpoint}: no login needed.`;
    io.stdout.write(
      ctx.json ? `${JSON.stringify({ endpoint: ctx.endpoint, authEnabled: false })}\n` : `${message}\n`,
    );
    return EXIT.ok;
  }
  let stored: StoredLogin;
  if (flags.token) {
    const probe = createHeimdallClient({ endpoint: ctx.endpoint, token: flags.token });
    const seen = await probe.viewer();
    if (seen.authEnabled && !seen.authenticated) throw new UsageError('the token was not accepted');
    stored = { token: flags.token };
  } else {
    const username = flags.username ?? (await io.readLine('Username: '))?.trim();
    if (!username) throw new UsageError('give a username (--username)');
    const password = flags.passwordStdin
      ? (await io.readAll()).replace(/\r?\n$/, '')
      : io.stdinIsTTY
        ? await io.readLine('Password: ', { secret: true })
        : undefined;
    if (!password) throw new UsageError('give the password on a terminal or with --password-stdin');
    const session = await ctx.client.login(username, password);
    stored = { token: session.token, username: session.username, expiresAt: session.expiresAt };
  }
  const credentials = readCredentials(path);
  credentials.endpoints[ctx.endpoint] = stored;
  credentials.current = ctx.endpoint;
  writeCredentials(path, credentials);
  const who = stored.username ? ` as ${stored.username}` : ' with an API token';
  io.stdout.write(
    ctx.json
      ? `${JSON.stringify({ endpoint: ctx.endpoint, username: stored.username ?? null, expiresAt: stored.expiresAt ?? null, credentials: path })}\n`
      : `Logged in to ${ctx.endpoint}${who}${stored.expiresAt ? ` until ${stored.expiresAt}` : ''}; token saved in ${path}.\n`,
  );
  return EXIT.ok;
}
