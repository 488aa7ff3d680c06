// ESLint with typescript-eslint's type-checked rules (recommendedTypeChecked as the base), run by
// `npm run lint` and by .ci/run after the tests. The layering rule of issue #11 is here too:
// src/cli and src/server reach the store and the policy evaluation only through src/app.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'src/server/ui/app-js.ts'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Store methods are async by contract (the PostgreSQL store awaits); the SQLite one need not.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['src/cli/**/*.ts', 'src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/trust/evaluate.js', '**/trust/evaluation/*.js'],
              message: 'evaluate through src/app/ (checkGraph, decideFile): cli and server do not gather statements themselves',
            },
          ],
        },
      ],
    },
  },
  {
    // node:test's test() and describe() return promises the runner awaits itself.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
