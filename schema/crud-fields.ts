/**
 * The four mutations every config entity has, generated from its kit so they behave the same:
 * `create<Entity>(input)`, `update<Entity>(id, patch)`, `upsert<Entity>(input)` (idempotent,
 * keyed by the user-chosen id) and `delete<Entity>(id)`. Each returns the entity (or the
 * deletion) or one of the typed errors.
 */
import type { InputObjectRef, ObjectRef } from '@pothos/core';
import { builder, type Types } from './builder.ts';
import { createEntity, deleteEntity, updateEntity, upsertEntity, type EntityKit } from './crud.ts';
import { MUTATION_ERRORS } from './errors.ts';

export interface Deletion {
  id: string;
}

export const DeletionRef = builder.objectRef<Deletion>('Deletion').implement({
  description: 'What a delete mutation removed.',
  fields: (t) => ({ id: t.exposeID('id') }),
});

export interface EntityMutationOptions<Shape, Row> {
  kit: EntityKit<Shape, Row>;
  ref: ObjectRef<Types, Row | string, Row>;
  input: InputObjectRef<Types, object>;
  patch: InputObjectRef<Types, object>;
  /** Skip generating some mutations (an entity with a custom create, say). */
  omit?: Array<'create' | 'update' | 'upsert' | 'delete'>;
}

export function defineEntityMutations<Shape, Row>(options: EntityMutationOptions<Shape, Row>): void {
  const { kit, ref, input, patch } = options;
  const name = kit.kind;
  const omit = new Set(options.omit ?? []);
  const errors = { types: MUTATION_ERRORS };
  if (!omit.has('create'))
    builder.mutationField(`create${name}`, (t) =>
      t.field({
        type: ref,
        description: `Creates a ${name}; fails with ConflictError when the id is taken.`,
        args: { input: t.arg({ type: input, required: true }) },
        errors,
        resolve: (_root, args, ctx) => createEntity(ctx, kit, args.input) as never,
      }),
    );
  if (!omit.has('update'))
    builder.mutationField(`update${name}`, (t) =>
      t.field({
        type: ref,
        description: `Changes the given fields of a ${name}; a field set to null is cleared.`,
        args: { id: t.arg.id({ required: true }), patch: t.arg({ type: patch, required: true }) },
        errors,
        resolve: (_root, args, ctx) => updateEntity(ctx, kit, String(args.id), args.patch) as never,
      }),
    );
  if (!omit.has('upsert'))
    builder.mutationField(`upsert${name}`, (t) =>
      t.field({
        type: ref,
        description: `Creates the ${name} or replaces it entirely, keyed by its id. Re-running with the same input changes nothing.`,
        args: { input: t.arg({ type: input, required: true }) },
        errors,
        resolve: (_root, args, ctx) =>
          upsertEntity(ctx, kit, args.input).then((result) => result.row) as never,
      }),
    );
  if (!omit.has('delete'))
    builder.mutationField(`delete${name}`, (t) =>
      t.field({
        type: DeletionRef,
        description: `Deletes a ${name}; fails with ConflictError while something still references it.`,
        args: { id: t.arg.id({ required: true }) },
        errors,
        resolve: async (_root, args, ctx) => ({ id: await deleteEntity(ctx, kit, String(args.id)) }),
      }),
    );
}
