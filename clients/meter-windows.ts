/** Moved to clients/contract/windows.ts (importable from every room); kept for existing imports. */
export * from './contract/windows.ts';
