export * from './admin.ts';
export * from './governance.ts';
export * from './providers.ts';
export * from './routing.ts';
export * from './usage.ts';
