/**
 * plan / apply / export / drift: Terraform's verbs over `applyConfig`, `exportConfig` and
 * `lastAppliedConfig`. Exit codes follow `terraform plan -detailed-exitcode`: 0 nothing to do
 * (or done), 2 changes (plan) or drift, 1 an error.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import type { HeimdallClient } from '../sdk/index.ts';
import { loadConfigFile, type ConfigFile } from './document.ts';
import { fileEntity } from './entities.ts';
import { EXIT, type CliIo, type Paint } from './io.ts';
import { planJson, planSummary, renderPlan, type Plan, type PlanEntry } from './render.ts';

export interface CommandContext {
  io: CliIo;
  paint: Paint;
  json: boolean;
  client: HeimdallClient;
  endpoint: string;
  flags: {
    file?: string;
    prune: boolean;
    autoApprove: boolean;
    out?: string;
    format?: string;
    secrets?: string;
    target: string;
  };
  /** Set once a file is loaded, so errors can point into it. */
  file?: ConfigFile;
}

export class UsageError extends Error {}

const print = (ctx: CommandContext, text: string) => ctx.io.stdout.write(`${text}\n`);
const printJson = (ctx: CommandContext, value: unknown) => print(ctx, JSON.stringify(value, null, 2));

function loadFile(ctx: CommandContext): ConfigFile {
  if (!ctx.flags.file) throw new UsageError('give the config file with -f <file>');
  ctx.file = loadConfigFile(resolve(ctx.io.cwd, ctx.flags.file), ctx.io.cwd);
  return ctx.file;
}

const detailFor = (file: ConfigFile) => (entry: PlanEntry) => ({
  fields: fileEntity(file.value, entry) ?? {},
});

function printPlan(ctx: CommandContext, plan: Plan, file: ConfigFile, title: string): void {
  for (const warning of plan.warnings) ctx.io.stderr.write(`${ctx.paint.yellow('Warning:')} ${warning}\n`);
  if (!plan.hasChanges) {
    print(ctx, `No changes. The live config at ${ctx.endpoint} matches ${file.name}.`);
    return;
  }
  print(ctx, `${title}\n`);
  print(ctx, renderPlan(plan, { paint: ctx.paint, detail: detailFor(file) }));
  print(ctx, `\n${ctx.paint.bold('Plan:')} ${planSummary(plan)}.`);
}

export async function plan(ctx: CommandContext): Promise<number> {
  const file = loadFile(ctx);
  const result = await ctx.client.planConfig(file.value, { prune: ctx.flags.prune });
  if (ctx.json) printJson(ctx, { file: file.name, ...planJson(result, detailFor(file)) });
  else printPlan(ctx, result, file, `Heimdall will make ${ctx.endpoint} match ${file.name}:`);
  return result.hasChanges ? EXIT.changes : EXIT.ok;
}

export async function apply(ctx: CommandContext): Promise<number> {
  const file = loadFile(ctx);
  const { prune, autoApprove, target } = ctx.flags;
  const preview = await ctx.client.planConfig(file.value, { prune });
  if (!ctx.json) printPlan(ctx, preview, file, `Heimdall will make ${ctx.endpoint} match ${file.name}:`);
  if (preview.hasChanges && !autoApprove) {
    if (!ctx.io.stdinIsTTY)
      throw new UsageError('refusing to apply without a terminal to confirm on; pass --auto-approve');
    const answer = await ctx.io.readLine(
      `\nDo you want to perform these actions? Only 'yes' will be accepted.\n  Enter a value: `,
    );
    if (answer?.trim() !== 'yes') {
      print(ctx, 'Apply cancelled.');
      return EXIT.error;
    }
  }
  // Applied even without changes: the server then records the file as the last applied one
  // for `drift`, and writes nothing else.
  const done = await ctx.client.applyConfig(file.value, { prune, target });
  if (ctx.json)
    printJson(ctx, { file: file.name, applied: done.applied, version: done.version, ...planJson(done) });
  else if (done.hasChanges)
    print(
      ctx,
      `\n${ctx.paint.green(ctx.paint.bold('Apply complete!'))} ${done.creates} created, ${done.updates} updated, ${done.deletes} deleted; config version ${done.version ?? '(unchanged)'}.`,
    );
  return EXIT.ok;
}

export async function exportConfig(ctx: CommandContext): Promise<number> {
  const secrets = (ctx.flags.secrets ?? 'reference').toUpperCase();
  if (secrets !== 'REFERENCE' && secrets !== 'MASKED')
    throw new UsageError('--secrets is reference or masked');
  const format = ctx.flags.format ?? (ctx.flags.out?.endsWith('.json') ? 'json' : 'yaml');
  if (format !== 'yaml' && format !== 'json') throw new UsageError('--format is yaml or json');
  const config = await ctx.client.exportConfig(secrets);
  const text = format === 'json' ? `${JSON.stringify(config, null, 2)}\n` : stringify(config);
  if (!ctx.flags.out) {
    ctx.io.stdout.write(text);
    return EXIT.ok;
  }
  writeFileSync(resolve(ctx.io.cwd, ctx.flags.out), text);
  if (ctx.json) printJson(ctx, { file: ctx.flags.out, format, secrets: secrets.toLowerCase() });
  else print(ctx, `Exported the live config of ${ctx.endpoint} to ${ctx.flags.out} (${format}).`);
  return EXIT.ok;
}

export async function drift(ctx: CommandContext): Promise<number> {
  const { target } = ctx.flags;
  const last = await ctx.client.lastAppliedConfig(target);
  if (!last)
    throw new UsageError(
      `nothing was applied to ${ctx.endpoint} with target "${target}" yet: run heimdall apply first`,
    );
  // Planning the applied document again: what the database has that differs from it changed
  // outside the file. With prune, entities added since show up too (as deletions of the plan).
  const result = await ctx.client.planConfig(last.document, { prune: true });
  if (ctx.json) {
    printJson(ctx, {
      target,
      appliedAt: last.appliedAt,
      appliedVersion: last.version,
      hash: last.hash,
      drifted: result.hasChanges,
      ...planJson(result),
    });
  } else if (!result.hasChanges) {
    print(ctx, `No drift: ${ctx.endpoint} still matches what was applied at ${last.appliedAt}.`);
  } else {
    print(
      ctx,
      `${ctx.paint.yellow('Drift:')} changed at ${ctx.endpoint} since the apply at ${last.appliedAt}:\n`,
    );
    print(ctx, renderPlan(result, { paint: ctx.paint, drift: true }));
    print(
      ctx,
      `\n${result.changes.length} ${result.changes.length === 1 ? 'entity differs' : 'entities differ'}; heimdall apply the file to undo them (--prune for additions), or heimdall export to keep them.`,
    );
  }
  return result.hasChanges ? EXIT.changes : EXIT.ok;
}
