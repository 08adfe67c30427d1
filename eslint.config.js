/**
 * ESLint (flat config): typescript-eslint's recommended rules (syntax only, no type information:
 * `tsc -b` is the type check, and this stays fast) on every TypeScript file, ESLint's recommended
 * rules on the plain JavaScript (launchers, build scripts, benchmarks). `npm run lint` runs it
 * with the dependency-direction check (scripts/check-layers.js); `npm test` runs both before jest.
 * An `eslint-disable` comment must say why after ` -- ` and must still be needed.
 */
const js = require('@eslint/js');
const globals = require('globals');
const tseslint = require('typescript-eslint');
const { defineConfig, globalIgnores } = require('eslint/config');

module.exports = defineConfig([
  globalIgnores(['**/node_modules/', '**/dist/', '**/build/', 'coverage/', '**/*.d.ts', 'test-e2e/fixtures/']),
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      // `_`-prefixed names are deliberately unused (callback positions, destructuring to omit a key)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // The CLI loads each command's module on first use (`load: () => require(...)`): that is what
    // keeps `berth ps` near 50 ms (packages/cli/README.md, "Start-up"). Elsewhere a lazy require
    // needs a disable comment saying why.
    files: ['packages/cli/src/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests and their fixtures read JSON answers loosely; product code types what it reads.
    files: ['**/*.test.ts', '**/__fixtures__/**/*.ts', 'test-e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
]);
