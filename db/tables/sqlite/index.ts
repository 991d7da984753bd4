// GENERATED from db/tables/postgres/index.ts by db/tables/generate.ts; edit that file, not this one.
export * from './admin.ts';
export * from './governance.ts';
export * from './providers.ts';
export * from './routing.ts';
export * from './usage.ts';
