import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.demo/', '.bench/', 'src/features/monitor/holiday-dates.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  },
  {
    // The first ICU call of a run maps about 6 MB of node's binary into the runner's memory (see
    // CONTRIBUTING, Memory): the action formats and orders without it. Tests may compare with it.
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString', 'localeCompare'].map((property) => ({
          property,
          message: 'ICU maps about 6 MB into the run: use formatCount or compareCodes (src/text.ts).'
        }))
      ]
    }
  }
)
