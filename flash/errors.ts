import { HubError } from '../hal/errors.js';

/** What `npm run flash:bundle`, `flash/install` and their parts refuse, naming what and where. */
export class FlashError extends HubError {}
