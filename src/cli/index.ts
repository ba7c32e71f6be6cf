/** The cli layer's entrance: what other layers may use of it. */
export { registerCommands, subcommandOf } from './commands.js';
