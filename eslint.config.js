// ESLint for capgen's own source (npm run lint). Generated output (out/, test/golden/) and the
// Handlebars templates are not source; what the generator emits is checked by its own tsconfig.
import js from '@eslint/js';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Folders whose promises must be awaited or handed on: the generator and the emitted runtime. */
const TYPED = ['generator/**/*.ts', 'runtime/**/*.ts'];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'out/',
      'test/golden/',
      'templates/',
      '.tmp/',
      'coverage/',
      '.verify/',
      'generator/surface/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,js,mjs}'],
    languageOptions: { globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { args: 'all', argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // One block, no blank lines: node: builtins, then packages, then relative paths.
      'simple-import-sort/imports': ['error', { groups: [['^\\u0000', '^node:', '^@?\\w', '^', '^\\.']] }],
      'simple-import-sort/exports': 'error',
    },
  },
  {
    // Type-aware rules only where they matter most, so the type-checker runs over a part of the
    // project and `npm run lint` stays fast on a small machine.
    files: TYPED,
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-exports': 'error',
    },
  },
);
