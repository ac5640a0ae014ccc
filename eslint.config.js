// Lint: typescript-eslint with type-aware rules (floating promises matter in code
// full of serial and database promises) and the process boundaries of docs/ARCHITECTURE.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const io = [
  'electron',
  'better-sqlite3',
  'serialport',
  '@serialport/*',
  'node:*',
  'fs',
  'fs/*',
  'path',
  'child_process',
  'net',
  'http',
  'https',
  'os',
];
const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  { ignores: ['node_modules/', '.tmp/', 'dist/', 'out/', 'release/', 'bin/', '**/*.mjs', '**/*.cjs', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // bench/ui.bench.ts drives Chromium (DOM types): it belongs to test/browser/tsconfig.json, not the root program.
        projectService: { allowDefaultProject: ['bench/ui.bench.ts'], defaultProject: 'test/browser/tsconfig.json' },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/require-await': 'off',
      // Only electron/ may import electron; only db/sqlite.ts may import the SQLite driver.
      ...restrict(['electron', 'better-sqlite3'], 'Only electron/ imports electron; only db/sqlite.ts imports better-sqlite3.'),
    },
  },
  {
    files: ['electron/**'],
    rules: restrict(['better-sqlite3'], 'Only db/sqlite.ts imports better-sqlite3.'),
  },
  {
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }] },
  },
  {
    files: ['db/sqlite.ts'],
    rules: restrict(['electron'], 'Only electron/ imports electron.'),
  },
  {
    files: ['core/**'],
    rules: restrict(io, 'core/ is pure domain logic: no I/O, no Node or Electron modules.'),
  },
  {
    files: ['controller/protocol/**'],
    // node:crypto (AES for the secure channel) is computation, not I/O.
    rules: restrict(
      io.filter((p) => p !== 'node:*').concat(['node:fs', 'node:net', 'node:child_process', 'node:timers', 'node:os']),
      'The OSDP protocol layers are pure: the transport and the clock are supplied by the caller.',
    ),
  },
  {
    files: ['report/**'],
    rules: restrict(
      ['electron', 'better-sqlite3', '**/app/**', '**/renderer/**', '**/controller/**', '**/cli/**'],
      'report/ builds and checks reports from core/ and db/ only (no Electron, no app or UI code).',
    ),
  },
  {
    files: ['server/**'],
    rules: restrict(
      ['electron', 'better-sqlite3', '**/db/**', '**/app/**', '**/controller/**', '**/renderer/**', '../sync/*'],
      'The sync server shares only core/ (the wire format) with the app.',
    ),
  },
  {
    files: ['sync/**'],
    rules: restrict(
      ['electron', 'better-sqlite3', '**/app/**', '**/controller/**', '**/renderer/**', '**/server/**'],
      'The sync client uses core/ and db/ only; it talks to the server over HTTP.',
    ),
  },
  {
    files: ['renderer/**'],
    rules: restrict(
      [...io, '**/db/**', '**/controller/**', '**/app/handlers/**', '**/app/index', '**/app/web-host/**', 'fastify', 'pino'],
      'The renderer talks only to the typed API (renderer/src/api.ts) and may import core/ and app/contract only.',
    ),
  },
);
