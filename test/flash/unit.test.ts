import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { FILES_DIR } from '../../flash/files.js';
import { commandRuns, itNeeds } from '../helpers/prerequisites.js';

/**
 * The hub's systemd units judged by systemd itself: `systemd-analyze security --offline=true` scores
 * the hardening (the service must be OK or better), and the directives the board relies on are there.
 */
const absent = commandRuns('systemd-analyze', ['--version']) ? undefined : 'systemd-analyze is not installed (Debian package systemd)';
const LEVELS = ['PERFECT', 'SAFE', 'OK'];

function exposure(unit: string): { score: number; level: string; output: string } {
  const result = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', join(FILES_DIR, unit)], { encoding: 'utf8' });
  const output = `${result.stdout}${result.stderr}`;
  const match = /Overall exposure level for [\w.-]+: (\d+\.\d+) (\w+)/.exec(output);
  if (!match) throw new Error(`no exposure level in systemd-analyze's output:\n${output}`);
  return { score: Number(match[1]), level: match[2]!, output };
}

function directives(unit: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const line of readFileSync(join(FILES_DIR, unit), 'utf8').split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match) found.set(match[1]!, [...(found.get(match[1]!) ?? []), match[2]!]);
  }
  return found;
}

describe('the hub service unit', () => {
  itNeeds(absent)('scores OK or better in systemd-analyze security, as do the first-boot unit', () => {
    for (const unit of ['hub.service', 'hub-firstboot.service']) {
      const { score, level, output } = exposure(unit);
      expect(LEVELS, `${unit}: ${score} ${level}\n${output}`).toContain(level);
    }
  });

  itNeeds(absent)('is a notify service with a watchdog, restarted always, as an unprivileged user in dialout', () => {
    const unit = directives('hub.service');
    expect(unit.get('Type')).toEqual(['notify']);
    expect(Number.parseInt(unit.get('WatchdogSec')![0]!, 10)).toBeGreaterThan(0);
    expect(unit.get('Restart')).toEqual(['always']);
    expect(unit.get('User')).toEqual(['hub']);
    expect(unit.get('SupplementaryGroups')).toEqual(['dialout']);
    expect(unit.get('ProtectSystem')).toEqual(['strict']);
    expect(unit.get('NoNewPrivileges')).toEqual(['yes']);
    expect(unit.get('CapabilityBoundingSet')).toEqual(['']);
    // Writable: only the state directory, which holds the store and the slots.
    expect(unit.get('StateDirectory')).toEqual(['hub']);
    expect(unit.get('ReadWritePaths')).toBeUndefined();
    expect(unit.get('DevicePolicy')).toEqual(['closed']);
    expect(unit.get('DeviceAllow')).toEqual(['/dev/serial/by-id/hub-radio rw', '/dev/hub-radio-gpio rw']);
  });
});
