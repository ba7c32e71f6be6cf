/** CS02b on the GPF: replace the GPF's trusted remote party certificates (the gas supplier's anchor, the network operator's, the DCC's handovers). */
import { credentialUpdateHandler } from '../../chf/index.js';

export const gpfCs02b = credentialUpdateHandler('GPF');
