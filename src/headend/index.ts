/** The headend layer's entrance: what other layers may use of it. */
export { ccs01Command, ccs06Command, gcs13aCommand } from './commands.js';
export { demoHeadEndDir, HeadEndError } from './demo-keys.js';
export { HeadEnd, type HeadEndMessage } from './head-end.js';
export { trustDemoHeadEnd } from './demo-trust.js';
