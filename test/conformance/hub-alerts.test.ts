import { expect, it } from 'vitest';
import { decodeMessage } from '../../src/gbcs/index.js';
import { describeRtds, loadVectors, rtdsPresent } from '../helpers/rtds.js';
import { RTDS_IDENTITY } from './harness.js';

/**
 * Every ALERT the RTDS has the CHF or the GPF raise, whatever `$RTDS_DIR` holds, is reproduced byte
 * for byte from the event that causes it, by the suite named here. An alert no suite reproduces
 * fails here, under its own name.
 */
const REPRODUCED_BY: Readonly<Record<string, string>> = {
  'CCS08_NA_NA_ALERT_GBCS.HEX': 'ccs08-alert.test.ts',
  'CS14_NA_8F12_ALERT_GBCS.HEX': 'chf-vectors.test.ts',
  'DBCH04_6.28_NA_SUCCESS_ALERT_DBCH09_GBCS.HEX': 'dbch-vectors.test.ts',
  'DBCH06_NA_8F20_ALERT_GBCS.HEX': 'dbch-vectors.test.ts',
  'DBCH07_NA_8F26_ALERT_GBCS.HEX': 'dbch-vectors.test.ts',
  'DBCH08_NA_8F28_ALERT_GBCS.HEX': 'dbch-vectors.test.ts',
  'DBCH10_NA_8F2C_ALERT_GBCS.HEX': 'dbch-vectors.test.ts',
  'DBCH11_NA_8F2D_ALERT_GBCS.HEX': 'dbch-vectors.test.ts',
  'GCS62_NA_8071_ALERT_GBCS.HEX': 'gpf-vectors.test.ts',
};

const hubAlerts = rtdsPresent
  ? loadVectors().filter((vector) => {
      if (vector.kind !== 'ALERT') return false;
      const { originator } = decodeMessage(vector.bytes, { allowUnknownMessageCode: true }).header;
      return originator === RTDS_IDENTITY.chf || originator === RTDS_IDENTITY.gpf;
    })
  : [];

describeRtds('RTDS conformance: every alert the CHF or GPF raises is reproduced', () => {
  it('finds the CHF and GPF alert vectors', () => {
    expect(hubAlerts.length).toBeGreaterThanOrEqual(5);
  });

  for (const alert of hubAlerts) {
    it(alert.name, () => {
      expect(REPRODUCED_BY[alert.name], `no suite reproduces ${alert.name} from its cause`).toBeDefined();
    });
  }
});
