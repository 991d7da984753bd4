/**
 * `heimdall <command> [flags]`: argument parsing, where the endpoint and token come from, and
 * the exit code. Endpoint: --endpoint, else HEIMDALL_ENDPOINT, else the one last logged in to,
 * else http://localhost:8080. Token: --token, else HEIMDALL_TOKEN, else the stored login for
 * that endpoint.
 */
import { parseArgs } from 'node:util';
import { createHeimdallClient, endpointUrls } from '../sdk/index.ts';
import { apply, drift, exportConfig, plan, UsageError, type CommandContext } from './commands.ts';
import { credentialsPath, readCredentials } from './credentials.ts';
import { EXIT, paintFor, type CliIo } from './io.ts';
import { login } from './login.ts';
import { reportError } from './report-error.ts';

export const USAGE = `Usage: heimdall <command> [flags]

Commands:
  plan    -f <file> [--prune]                   what apply would change (exit 0 none, 2 changes, 1 error)
  apply   -f <file> [--prune] [--auto-approve]  plan, confirm with "yes", apply in one transaction
  export  [-o <file>] [--format yaml|json] [--secrets reference|masked]
                                                the live config in the file's shape
  drift   [--target <name>]                     what changed outside the file since the last apply (exit 2)
  login   [--username <u>] [--password-stdin] [--token <t>]
                                                store a session or API token for the endpoint

Flags for every command:
  --endpoint <url>   the server or its /graphql URL (HEIMDALL_ENDPOINT; default http://localhost:8080)
  --token <token>    bearer token (HEIMDALL_TOKEN; else the stored login)
  --output json      machine-readable output
  --target <name>    names the applied document for drift (default "default"; one per config file)
`;

const OPTIONS = {
  file: { type: 'string', short: 'f' },
  prune: { type: 'boolean', default: false },
  'auto-approve': { type: 'boolean', default: false },
  out: { type: 'string', short: 'o' },
  format: { type: 'string' },
  secrets: { type: 'string' },
  target: { type: 'string', default: 'default' },
  endpoint: { type: 'string' },
  token: { type: 'string' },
  output: { type: 'string' },
  username: { type: 'string' },
  'password-stdin': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const COMMANDS = ['plan', 'apply', 'export', 'drift', 'login'] as const;
type Command = (typeof COMMANDS)[number];

function normalEndpoint(endpoint: string): string {
  return endpointUrls(endpoint).http.replace(/\/graphql$/, '');
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  const json = rest.includes('--output=json') || rest.join(' ').includes('--output json');
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(USAGE);
    return command ? EXIT.ok : EXIT.error;
  }
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS }>>['values'];
  try {
    if (!COMMANDS.includes(command as Command)) throw new UsageError(`unknown command "${command}"`);
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: false, strict: true }).values;
    if (parsed.output !== undefined && parsed.output !== 'json' && parsed.output !== 'text')
      throw new UsageError('--output is json (or text)');
  } catch (error) {
    reportError(error, io, json, undefined);
    io.stderr.write(`\n${USAGE}`);
    return EXIT.error;
  }
  if (parsed.help) {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  const credentials = readCredentials(credentialsPath(io.env));
  const endpoint = normalEndpoint(
    parsed.endpoint ?? io.env.HEIMDALL_ENDPOINT ?? credentials.current ?? 'http://localhost:8080',
  );
  const token = parsed.token ?? io.env.HEIMDALL_TOKEN ?? credentials.endpoints[endpoint]?.token;
  const client = createHeimdallClient({ endpoint, ...(token ? { token } : {}) });
  const ctx: CommandContext = {
    io,
    paint: paintFor(io, json),
    json,
    client,
    endpoint,
    flags: {
      ...(parsed.file === undefined ? {} : { file: parsed.file }),
      prune: parsed.prune,
      autoApprove: parsed['auto-approve'],
      ...(parsed.out === undefined ? {} : { out: parsed.out }),
      ...(parsed.format === undefined ? {} : { format: parsed.format }),
      ...(parsed.secrets === undefined ? {} : { secrets: parsed.secrets }),
      target: parsed.target,
    },
  };
  try {
    switch (command as Command) {
      case 'plan':
        return await plan(ctx);
      case 'apply':
        return await apply(ctx);
      case 'export':
        return await exportConfig(ctx);
      case 'drift':
        return await drift(ctx);
      case 'login':
        return await login(ctx, {
          ...(parsed.username === undefined ? {} : { username: parsed.username }),
          passwordStdin: parsed['password-stdin'],
          ...(parsed.token === undefined ? {} : { token: parsed.token }),
        });
    }
  } catch (error) {
    reportError(error, io, json, ctx.file);
    return EXIT.error;
  } finally {
    await client.close();
  }
}
