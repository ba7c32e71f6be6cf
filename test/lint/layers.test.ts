import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import madge from 'madge';
import { describe, expect, it } from 'vitest';
import { LAYERS } from '../../layers.config.js';

// The layer rules (layers.config.js) run as `npm run lint` runs them, against deliberate imports in
// files that do not exist on disk: lintText places each at the path given, so the project's config applies.
const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function layerErrors(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: `${root}${path}` });
  return (result?.messages ?? []).filter((message) => message.ruleId === 'boundaries/dependencies').map((message) => message.message);
}

describe('the layer rules', { timeout: 120_000 }, () => {
  it('refuse an upward import: the store naming the security layer', async () => {
    const errors = await layerErrors('src/store/upward.ts', "import { DEVICE_TYPES } from '../security/device-types.js';\nexport const types = DEVICE_TYPES;\n");
    expect(errors).toEqual([expect.stringContaining('"security" are not allowed in elements of type "store"')]);
  });

  it('refuse hal/ importing src/, even a type', async () => {
    const errors = await layerErrors('hal/upward.ts', "import type { Store } from '../src/store/index.js';\nexport type Kept = Store;\n");
    expect(errors).toEqual([expect.stringContaining('"store" are not allowed in elements of type "hal"')]);
  });

  it('refuse the use-case contract a value from the CHF, and let it name the CHF\'s types', async () => {
    const value = await layerErrors('src/use-case/upward.ts', "import { DeviceLog } from '../chf/device-log.js';\nexport const made = DeviceLog;\n");
    expect(value).toEqual([expect.stringContaining('"chf" are not allowed in elements of type "use-case"')]);
    expect(await layerErrors('src/use-case/types.ts', "import type { DeviceLog } from '../chf/device-log.js';\nexport type Log = DeviceLog;\n")).toEqual([]);
  });

  it('let a layer import the layers below it', async () => {
    expect(await layerErrors('src/chf/downward.ts', "import { openStore } from '../store/index.js';\nexport const open = openStore;\n")).toEqual([]);
    expect(await layerErrors('src/cli/downward.ts', "import { openGbcsHub } from '../hub/index.js';\nexport const open = openGbcsHub;\n")).toEqual([]);
  });

  it('let another layer into a src/ layer only through an index.ts', async () => {
    expect(await layerErrors('src/chf/inside.ts', "import { openStore } from '../store/open.js';\nexport const open = openStore;\n")).toEqual([
      expect.stringContaining('fileInternalPath "open.ts" are not allowed in elements of type "chf"'),
    ]);
    expect(await layerErrors('src/hub/inside.ts', "import { decodePayload } from '../gbcs/payload/index.js';\nexport const decode = decodePayload;\n")).toEqual([]);
  });

  it('keep the local management API and the installer page to the layers they were given', async () => {
    expect(await layerErrors('src/control/upward.ts', "import { openGbcsHub } from '../hub/index.js';\nexport const open = openGbcsHub;\n")).toEqual([
      expect.stringContaining('"hub" are not allowed in elements of type "control"'),
    ]);
    expect(await layerErrors('src/installer/upward.ts', "import { startHub } from '../compose.js';\nexport const start = startHub;\n")).toEqual([
      expect.stringContaining('"root" are not allowed in elements of type "installer"'),
    ]);
  });

  it('let flash/ into src/ and hal/ only through their entrances', async () => {
    expect(await layerErrors('flash/build.ts', "import { openStore } from '../src/store/index.js';\nexport const open = openStore;\n")).toEqual([]);
    expect(await layerErrors('flash/build.ts', "import { openStore } from '../src/store/open.js';\nexport const open = openStore;\n")).toHaveLength(1);
    expect(await layerErrors('flash/build.ts', "import { AshEndpoint } from '../hal/ash/endpoint.js';\nexport const ash = AshEndpoint;\n")).toHaveLength(1);
    expect(await layerErrors('flash/build.ts', "import { AshEndpoint } from '../hal/ash/index.js';\nexport const ash = AshEndpoint;\n")).toEqual([]);
  });

  it('name every layer it lets another use, and let none use flash/', () => {
    const names = new Set(LAYERS.map((layer) => layer.name));
    for (const layer of LAYERS) {
      for (const used of [...layer.uses, ...(layer.typesOnly ?? [])]) expect(names, `${layer.name} uses ${used}`).toContain(used);
      expect(layer.uses).not.toContain('flash');
    }
  });
});

describe('the cycle check', () => {
  it('finds a deliberate import circle', async () => {
    const result = await madge(fileURLToPath(new URL('./fixtures/cycle/', import.meta.url)), { fileExtensions: ['ts'] });
    expect(result.circular()).toEqual([['a.ts', 'b.ts']]);
  });
});
