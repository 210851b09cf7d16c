// Lint for every package: typescript-eslint's recommended rules, with unused disables reported.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        AbortController: 'readonly',
        crypto: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The hub's core reaches sockets, databases and buses through its ports only, so any adapter can stand in.
    files: ['packages/server/src/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['fastify', 'fastify/*', '@fastify/*', 'ws', 'ws/*', 'better-sqlite3', 'pg', 'pg/*', 'ioredis'],
              message: 'The core knows no transport, database or bus library: take what it needs through a port.',
            },
            {
              regex: '^(\\.\\./)+(transport|storage|bus|limits)(/|$)',
              message: 'The core talks to adapters through its ports, never to their modules.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/test/**', 'packages/testkit/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
