#!/usr/bin/env node
/**
 * The `heimdall` command (package.json `bin`): the process's own stdin/stdout, then `run`.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { CliIo } from './io.ts';
import { run } from './run.ts';

function readLine(prompt: string, options: { secret?: boolean } = {}): Promise<string | undefined> {
  let muted = false;
  // Echo the prompt, then nothing of what is typed for a secret.
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: process.stdin.isTTY === true });
  return new Promise((resolve) => {
    let answered = false;
    rl.question(prompt, (answer) => {
      answered = true;
      if (options.secret) process.stderr.write('\n');
      rl.close();
      resolve(answer);
    });
    muted = options.secret === true;
    rl.on('close', () => {
      if (!answered) resolve(undefined);
    });
  });
}

async function readAll(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const io: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  readLine,
  readAll,
  stdinIsTTY: process.stdin.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
};

process.exitCode = await run(process.argv.slice(2), io);
