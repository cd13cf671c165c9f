// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const platformSdks = ['@slack/*', 'botbuilder', 'botbuilder-*', 'botframework-*'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.cache/', '.services/', 'bench/.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The core and the tools know nothing of chat platforms: adapters depend on core, never the reverse.
    // src/compose.ts is the one composition root allowed to wire adapters in.
    files: ['src/**/*.ts', 'tools/**/*.ts'],
    ignores: ['src/compose.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: platformSdks, message: 'Platform SDKs belong in adapters/.' },
          { group: ['**/adapters/**'], message: 'Core must not depend on adapters; wire them in src/compose.ts.' },
        ],
      }],
    },
  },
  {
    files: ['adapters/slack/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['botbuilder', 'botbuilder-*', 'botframework-*', 'neo4j-driver', 'weaviate-client', 'langchain', '@langchain/*'], message: 'Adapters know nothing of stores or the agent runtime.' }] }] },
  },
  {
    // Every botbuilder import lives here, so moving to the Microsoft 365 Agents SDK is one folder.
    files: ['adapters/teams/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['@slack/*', 'neo4j-driver', 'weaviate-client', 'langchain', '@langchain/*'], message: 'Adapters know nothing of stores, the agent runtime or other platforms.' }] }] },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', fetch: 'readonly', Buffer: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' } },
  },
);
