import { parseUpgradeImage, verifyUpgradeImage, type UpgradeImage } from '../firmware/index.js';
import { loadRtdsKeystore } from '../security/rtds-secure-element.js';

/** An Upgrade Image checked as a board's hub will check it: signed, by a supplier in the keystore folder. */
export async function verifiedAgainstKeystore(bytes: Buffer, keystore: string): Promise<UpgradeImage> {
  const image = parseUpgradeImage(bytes, { signature: 'required' });
  const { trustStore } = await loadRtdsKeystore(keystore);
  verifyUpgradeImage(image, trustStore);
  return image;
}
