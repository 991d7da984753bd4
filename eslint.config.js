// Lint encodes the room rules of ARCHITECTURE.md: which folder may import which, where
// drizzle-orm and undici may appear, and no import cycles anywhere.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importPlugin from 'eslint-plugin-import';

const rooms = ['api', 'gateway', 'schema', 'db', 'clients'];
/** What each room may import from the other rooms (ARCHITECTURE.md, "Rooms"). */
const allowed = {
  db: [],
  schema: ['db'],
  api: ['schema', 'db', 'gateway', 'clients'],
  gateway: [],
  clients: [],
};
/** What of clients/ a room that may not import clients/ still may: the shared contract, and for
 * the gateway the ControlPlaneClient interface it is handed (not its transports, SDK or CLI). */
const clientsExcept = (room) => (room === 'gateway' ? ['./contract', './control-plane.ts'] : ['./contract']);

const zones = Object.entries(allowed).flatMap(([room, may]) =>
  rooms
    .filter((other) => other !== room && !may.includes(other))
    .map((other) => ({
      target: `./${room}`,
      from: `./${other}`,
      message: `${room}/ may not import ${other}/ (see ARCHITECTURE.md, "Rooms")`,
      // Every room may import the shared contract (types and pure functions, ARCHITECTURE.md).
      ...(other === 'clients' ? { except: clientsExcept(room) } : {}),
    })),
);

/**
 * db/index.ts is db/'s public surface: schema/ and api/ import nothing deeper, so everything they
 * use of db/ is listed in one file and db/ can move its insides freely (db/README.md).
 */
const dbSurfaceZones = ['schema', 'api'].map((room) => ({
  target: `./${room}`,
  from: './db',
  except: ['./index.ts'],
  message: `${room}/ imports db/ only through db/index.ts, its public surface (db/README.md)`,
}));

/**
 * gateway/'s layers, bottom to top (gateway/README.md, "Layout"): a layer imports only layers
 * below it. The upward arrows allowed are type-only, from core/ to the machinery a compiled
 * provider holds (justified in core/compiled-snapshot.ts and core/client-codec.ts).
 */
const gatewayLayers = [
  ['core'],
  ['util', 'logger.ts', 'request-id.ts'],
  ['context.ts', 'hooks.ts'],
  ['upstream'],
  ['pricing'],
  ['providers'],
  ['routing', 'plugins'],
  ['snapshot'],
  ['metrics'],
  ['engine'],
  ['http'],
  ['governance'],
  ['create-gateway.ts'],
];
const coreMayName = {
  providers: ['./adapter.ts'],
  upstream: ['./limiter.ts', './pools.ts'],
  routing: ['./key-picker.ts'],
};
const gatewayLayerZones = gatewayLayers.flatMap((layer, i) =>
  layer.flatMap((lower) =>
    gatewayLayers.slice(i + 1).flatMap((higher) =>
      higher.map((upper) => ({
        target: `./gateway/${lower}`,
        from: `./gateway/${upper}`,
        message: `gateway/${lower} is below gateway/${upper} (gateway/README.md, "Layout")`,
        ...(lower === 'core' && coreMayName[upper] ? { except: coreMayName[upper] } : {}),
      })),
    ),
  ),
);

const packageRule = (patterns) => ['error', { patterns }];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'data/**',
      'dist/**',
      '.dist-*/**',
      'db/migrations/**',
      'coverage/**',
      'test-artifacts/**',
      'helm/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { import: importPlugin },
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.js'] } },
      'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import/extensions': ['.ts', '.js'],
    },
    rules: {
      'import/no-cycle': ['error', { ignoreExternal: true }],
      'import/no-restricted-paths': ['error', { zones: [...zones, ...dbSurfaceZones, ...gatewayLayerZones] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['api/**', 'gateway/**', 'schema/**', 'clients/**'],
    rules: {
      'no-restricted-imports': packageRule([
        { group: ['drizzle-orm', 'drizzle-orm/*'], message: 'drizzle-orm lives only in db/' },
      ]),
    },
  },
  {
    files: ['gateway/**'],
    ignores: ['gateway/upstream/**'],
    rules: {
      'no-restricted-imports': packageRule([
        { group: ['drizzle-orm', 'drizzle-orm/*'], message: 'drizzle-orm lives only in db/' },
        { group: ['undici', 'undici/*'], message: 'undici is used only under gateway/upstream/' },
      ]),
    },
  },
  {
    files: ['gateway/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'use the undici dispatchers in gateway/upstream/' },
      ],
    },
  },
  {
    files: ['api/**', 'schema/**', 'db/**', 'clients/**'],
    rules: {
      'no-restricted-imports': packageRule([
        { group: ['undici', 'undici/*'], message: 'undici is used only under gateway/upstream/' },
      ]),
    },
  },
  {
    files: ['api/**', 'schema/**', 'clients/**'],
    rules: {
      'no-restricted-imports': packageRule([
        { group: ['undici', 'undici/*'], message: 'undici is used only under gateway/upstream/' },
        { group: ['drizzle-orm', 'drizzle-orm/*'], message: 'drizzle-orm lives only in db/' },
      ]),
    },
  },
  {
    // The contract both halves share (ARCHITECTURE.md, "Rooms") imports nothing but itself:
    // no node:, no packages, no other folder — so every room, and a browser, can import it.
    files: ['clients/contract/**'],
    rules: {
      'no-restricted-imports': packageRule([
        {
          regex: String.raw`^(?!\./)|\.\./`,
          message: 'clients/contract/ imports only its own files (./name.ts): types and pure functions',
        },
      ]),
    },
  },
  {
    // The operator dashboard (Preact, .tsx) runs in the browser: resolve .tsx imports so
    // import/no-cycle and the room rules see through them.
    files: ['clients/dashboard/**/*.{ts,tsx}'],
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js'] } },
      'import/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import/extensions': ['.ts', '.tsx', '.js'],
    },
  },
  {
    files: ['test/**', '*.ts', '*.js'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
