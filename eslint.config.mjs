// Lint: the mistakes that cost a plant — a promise nobody awaits (an unhandled rejection stops the whole
// Node-RED runtime), a `.only` that silently skips the rest of the suite — and the recommended sets of
// ESLint and typescript-eslint, with the rules that are only taste turned off. Formatting is Prettier's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** `.only` on describe/it/test/suite, or `{ only: true }` in node:test's options: runs one test and skips the rest. */
const noOnly = [
  { selector: "CallExpression[callee.type='MemberExpression'][callee.property.name='only'][callee.object.name=/^(describe|it|test|suite)$/]", message: 'No .only in tests: it skips the rest of the suite.' },
  { selector: "CallExpression[callee.name=/^(describe|it|test|suite)$/] > ObjectExpression > Property[key.name='only'][value.value=true]", message: 'No { only: true } in tests: it skips the rest of the suite.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/artifacts/**', '.demo/**', 'examples/**', 'flows/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      // `this` aliased to `node` is how Node-RED nodes are written (closures in handlers need it).
      '@typescript-eslint/no-this-alias': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A variable assigned once but read first (by a cleanup closure) cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'no-restricted-syntax': ['error', ...noOnly],
    },
  },
  {
    // Test names and expected messages quote texts as they are, double spaces included.
    files: ['test/**/*.ts'],
    // Tests load node modules and fixtures with require() where an import would load them too early.
    rules: { 'no-regex-spaces': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly' } },
    rules: { 'no-restricted-syntax': ['error', ...noOnly] },
  },
  {
    // The dashboards' shared client runs in the browser, inside each dashboard page.
    files: ['dashboards/**/*.js'],
    languageOptions: { globals: { window: 'readonly', fetch: 'readonly', URLSearchParams: 'readonly' } },
  },
);
