import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the hub (with no config: a simulated radio and HAN, so no hardware is needed)')
    .action(async () => {
      const options = program.opts<{ config?: string }>();
      const config = await loadConfig(options.config);
      const log = createLogger({ level: config.log.level });
      log.info({ radio: config.radio.port }, 'configuration loaded');
    });
}
