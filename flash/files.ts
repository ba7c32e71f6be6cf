import { fileURLToPath } from 'node:url';

/** The files a board gets besides the runtime: the units, the udev rule, the launchers, the default config. */
export const FILES_DIR = fileURLToPath(new URL('./files/', import.meta.url));

/** Where each of them goes inside the bundle, and its mode there. */
export const BUNDLE_FILES: ReadonlyArray<{ source: string; path: string; mode: number }> = [
  { source: 'hub', path: 'bin/hub', mode: 0o755 },
  { source: 'hub-launch', path: 'lib/hub-launch', mode: 0o755 },
  { source: 'hub.yaml', path: 'etc/hub.yaml', mode: 0o644 },
  { source: 'hub.service', path: 'systemd/hub.service', mode: 0o644 },
  { source: 'hub-firstboot.service', path: 'systemd/hub-firstboot.service', mode: 0o644 },
  { source: '99-hub-radio.rules', path: 'udev/99-hub-radio.rules', mode: 0o644 },
];
