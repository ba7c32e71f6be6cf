import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';
import { LAYERS, OPEN_FILES } from './layers.config.js';

/** The layer rules of layers.config.js as eslint-plugin-boundaries policies: each layer may import only what it `uses`. */
function layerPolicies() {
  const names = LAYERS.map((layer) => layer.name);
  return LAYERS.flatMap((layer) => {
    const typesOnly = layer.typesOnly ?? [];
    const forbidden = names.filter((name) => name !== layer.name && !layer.uses.includes(name) && !typesOnly.includes(name));
    const from = { element: { type: layer.name } };
    const policies = [];
    if (forbidden.length) policies.push({ from, disallow: { to: { element: { types: { anyOf: forbidden } } } } });
    if (typesOnly.length) policies.push({ from, disallow: { to: { element: { types: { anyOf: typesOnly } } }, dependency: { kind: 'value' } } });
    if (layer.entrancesOnly) {
      // hal's entrances are its top-level files and its folders' index.ts; a src layer's is its index.ts.
      policies.push({ from, disallow: { to: { element: { type: 'hal', fileInternalPath: '*/!(index).ts' } } } });
      policies.push({ from, disallow: { to: { element: { types: { anyOf: names.filter((name) => name !== 'hal' && name !== layer.name) }, fileInternalPath: '!index.ts' } } } });
    }
    return policies;
  });
}

/** Every src/ layer's entrances: from any other layer (but the contract's types), only an index.ts. */
function entrancePolicies() {
  const names = LAYERS.map((layer) => layer.name);
  return LAYERS.filter((layer) => !layer.file && !OPEN_FILES.includes(layer.name)).map((layer) => ({
    from: { element: { types: { anyOf: names.filter((name) => name !== layer.name && !LAYERS.find((other) => other.name === name)?.typesOnly?.includes(layer.name)) } } },
    disallow: { to: { element: { type: layer.name, fileInternalPath: '!**/index.ts' } } },
  }));
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `any` at a module boundary defeats strict types; inside a function a cast is sometimes honest.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts', 'hal/**/*.ts', 'flash/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { project: './tsconfig.json' } },
      // `mode: 'file'` (one file as a layer: config.ts, the composition root, cli.ts) is deprecated in
      // eslint-plugin-boundaries 7, which says so once per run, but it has no other way to do it yet.
      'boundaries/elements': LAYERS.map((layer) => (layer.file ? { type: layer.name, pattern: layer.path, mode: 'file' } : { type: layer.name, pattern: layer.path })),
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'allow', policies: [...layerPolicies(), ...entrancePolicies()] }],
    },
  },
);
