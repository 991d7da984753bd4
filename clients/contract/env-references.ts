/**
 * Environment variables that hold Heimdall's own credentials (admin login, encryption key,
 * database and Redis URLs, the control-plane token of split gateways). A provider setting that
 * referenced one as `env.VAR` would hand that credential to the provider's host. The control plane
 * refuses such references when they are written (config file and API, db/config/); the gateway
 * refuses to resolve them when they are used (gateway/util/env.ts), so a reference stored before
 * the rule existed, or written around it, still never leaves the process.
 */
const OWN_CREDENTIALS = [
  /^HEIMDALL_ADMIN_/,
  /^HEIMDALL_ENCRYPTION_KEY$/,
  /^BIFROST_ENCRYPTION_KEY$/,
  /^BIFROST_ADMIN_/,
  /^HEIMDALL_CONTROL_PLANE_/,
  /^DATABASE_URL$/,
  /^REDIS_/,
  /^PG[A-Z]*$/,
  /^POSTGRES_/,
];

export const isOwnCredential = (name: string): boolean => OWN_CREDENTIALS.some((re) => re.test(name));
