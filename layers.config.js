/**
 * The layers of the hub and the directions imports may take between them: the one place these are
 * written (eslint.config.js turns them into eslint-plugin-boundaries policies; ARCHITECTURE.md draws
 * them). A layer may import only the layers in its `uses`; everything else, in particular anything
 * listed after it, is an upward import and fails `npm run lint`. Files inside one layer import each
 * other freely. Tests are no layer: they may import anything.
 *
 * `typesOnly`: layers whose types (never values) a layer may name. The use-case contract hands
 * each handler the CHF's and GPF's state, so it names their types while they import its values
 * (from their files: through their entrances, which hold their handlers, that would be a circle).
 *
 * Entrances: another layer reaches a src/ layer only through an index.ts (its own, or a sub-folder's
 * such as src/gbcs/payload/index.ts). `openFiles` lists the layers not yet held to that.
 */

const GROUND = ['hal', 'config', 'privacy'];
const BELOW_PROTOCOL = [...GROUND, 'store', 'logs', 'security'];
const SERVICES = [...BELOW_PROTOCOL, 'gbcs', 'han', 'time', 'subghz', 'firmware'];

/** @type {readonly import('./layers.config.js').Layer[]} */
export const LAYERS = [
  // hal/ is the ground floor: transports, ASH, EZSP, the Radio, ZCL, the simulator. It never imports src/.
  { name: 'hal', path: 'hal', uses: [] },
  { name: 'config', path: 'src/config.ts', file: true, uses: ['hal'] },
  { name: 'privacy', path: 'src/privacy', uses: ['hal'] },
  { name: 'store', path: 'src/store', uses: ['hal'] },
  { name: 'logs', path: 'src/logs', uses: [...GROUND, 'store'] },
  { name: 'security', path: 'src/security', uses: [...GROUND, 'store', 'logs'] },
  { name: 'gbcs', path: 'src/gbcs', uses: BELOW_PROTOCOL },
  { name: 'han', path: 'src/han', uses: [...BELOW_PROTOCOL, 'gbcs'] },
  { name: 'time', path: 'src/time', uses: [...BELOW_PROTOCOL, 'gbcs'] },
  { name: 'subghz', path: 'src/subghz', uses: [...BELOW_PROTOCOL, 'gbcs'] },
  { name: 'firmware', path: 'src/firmware', uses: [...BELOW_PROTOCOL, 'gbcs'] },
  // The hub's own update on a board: a slot's bundle unpacked and checked, the new bundle's selftest, keep or go back.
  { name: 'update', path: 'src/update', uses: [...BELOW_PROTOCOL, 'firmware'] },
  // The hub as a systemd service: its notifications and watchdog.
  { name: 'service', path: 'src/service', uses: ['hal'] },
  { name: 'use-case', path: 'src/use-case', uses: SERVICES, typesOnly: ['chf', 'gpf'] },
  { name: 'chf', path: 'src/chf', uses: [...SERVICES, 'use-case'] },
  { name: 'gpf', path: 'src/gpf', uses: [...SERVICES, 'use-case', 'chf'] },
  { name: 'wan', path: 'src/wan', uses: [...BELOW_PROTOCOL, 'gbcs'] },
  { name: 'hub', path: 'src/hub', uses: [...SERVICES, 'use-case', 'chf', 'gpf', 'wan'] },
  // Pairing at the hub: the join-progress stream (from the chf, han and hub layers' events), labels,
  // the installer.mode policy, and the installer's page. Below control, whose pair operations use it.
  { name: 'installer', path: 'src/installer', uses: [...SERVICES, 'use-case', 'chf', 'hub'] },
  // The running hub's local management API, which the CLI uses.
  { name: 'control', path: 'src/control', uses: [...GROUND, 'chf', 'gpf', 'han', 'store', 'security', 'logs', 'wan', 'firmware', 'installer'] },
  { name: 'headend', path: 'src/headend', uses: [...SERVICES, 'use-case', 'chf', 'gpf'] },
  // The composition root: the one place that picks and builds the concrete parts.
  { name: 'root', path: ['src/compose.ts', 'src/radio-source.ts', 'src/sim-process.ts', 'src/sim-in-process.ts'], file: true, uses: [...SERVICES, 'update', 'use-case', 'chf', 'gpf', 'wan', 'hub', 'control', 'headend', 'installer'] },
  { name: 'cli', path: 'src/cli', uses: [...SERVICES, 'update', 'service', 'use-case', 'chf', 'gpf', 'wan', 'hub', 'control', 'headend', 'installer', 'root'] },
  { name: 'cli-entry', path: 'src/cli.ts', file: true, uses: [...GROUND, 'cli'] },
  // Building and installing the Pi bundle: hal/ and src/ only through their entrances (index.ts); nothing imports it.
  { name: 'flash', path: 'flash', uses: ['hal', 'config', 'privacy', 'store', 'logs', 'security', 'gbcs', 'han', 'time', 'subghz', 'firmware', 'update', 'use-case', 'chf', 'gpf', 'wan', 'hub', 'control', 'headend', 'root'], entrancesOnly: true },
];

/**
 * Layers whose files other layers may still import directly. src/security: which files reach the
 * PIN store is pinned by test/src/security/pin-authority.test.ts through their import lines, so its
 * entrance waits for that test to name the store another way. hal/: one layer of many entrances.
 */
export const OPEN_FILES = ['hal', 'security'];
