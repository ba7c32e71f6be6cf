import { describe, expect, it } from 'vitest';
import { GbcsError } from '../../../src/gbcs/index.js';
import { PayloadError, decodePayload, encodePayloadView } from '../../../src/gbcs/payload/index.js';
import * as dlms from '../../../src/gbcs/payload/dlms/index.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function thrown(action: () => unknown): PayloadError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(PayloadError);
    expect(error).toBeInstanceOf(GbcsError);
    return error as PayloadError;
  }
  throw new Error('expected a PayloadError');
}

const notSpecified = { year: 2015, month: 1, day: 1, dayOfWeek: 0xff, hour: 0, minute: 0, second: 0, hundredths: 0, deviation: -0x8000, clockStatus: 0xff };

describe('DLMS typed views', () => {
  it('builds a CCS01 command that reads back to the same values', () => {
    const view = {
      invokeId: 0x20000516,
      parameters: {
        registerDevice: { deviceId: '00DB1234567890A0', deviceType: 1, installCode: Buffer.from('0123456789ABCDEF'), option: 0 },
        joinTimeout: 90,
        joiningEnabled: true,
      },
    };
    const bytes = dlms.CCS01.encodeCommand(view);
    expect(bytes.subarray(0, 7).toString('hex')).toBe('d9200005160003');
    // action on class 104 (0x0068), the CHF Device Log 0-0:30.3.0.255, method 1 register_device
    expect(bytes.subarray(7, 17).toString('hex')).toBe('03006800001e0300ff01');
    expect(dlms.CCS01.decodeCommand(bytes)).toEqual(view);
  });

  it('builds a CCS06 response and a CS14 alert the way the hub will send them', () => {
    const device = {
      deviceId: '00DB1234567890A1', status: { bits: 8, value: hex('c8') }, maxRssi: -34, averageRssi: -54, minRssi: -77,
      maxLqi: 1, averageLqi: 96, minLqi: 205, lastCommunication: notSpecified, numberOfHops: 1, transmissionFailures: 0,
      transmissionSuccesses: 100, applicationVersion: 1, stackVersion: 1,
    };
    const response = { invokeId: 7, results: { activeDevices: { result: 0, value: [device] } } };
    const bytes = encodePayloadView('CCS06', 'response', response);
    expect(decodePayload({ messageCode: 0x010f, cra: 'response', payload: bytes }).view?.value).toEqual(response);
    const alert = {
      invokeId: 0x20000fa0, alertCode: 0x8f12, timestamp: notSpecified,
      body: { backupDateTime: notSpecified, extendedPanId: hex('0001020304050607'), devices: [{ deviceId: '00DB1234567890A0', hashedTcLinkKey: Buffer.alloc(0) }] },
    };
    const alertBytes = dlms.CS14.encode(alert);
    expect(alertBytes.subarray(0, 11).toString('hex')).toBe('0f20000fa0000203128f12');
    expect(dlms.CS14.decode(alertBytes)).toEqual(alert);
  });

  it('names the access that does not match the use case', () => {
    const ccs02 = hex('d920000516000103006800001e0300ff0201090800db1234567890a0');
    expect(thrown(() => dlms.CCS01.decodeCommand(ccs02)).field).toBe('access request specifications');
    const error = thrown(() => dlms.DBCH01.decodeCommand(hex('d920000514000101006800001e0300ff040100')));
    expect(error.field).toBe('access request specification[0] (channel)');
    expect(error.message).toMatch(/expected get class 1 0-0:94\.44\.10\.2 member 2, found get class 104 0-0:30\.3\.0\.255 member 4/);
    const wrongType = thrown(() => dlms.CCS02.decodeCommand(hex('d920000516000103006800001e0300ff0201120001')));
    expect(wrongType).toMatchObject({ code: 'BAD_VALUE', field: 'access request data[0] (unregisterDevice)', offset: 18 });
  });

  it('refuses values the wire cannot carry when encoding', () => {
    const base = { invokeId: 1, parameters: { registerDevice: { deviceId: '00DB1234567890A0', deviceType: 1, installCode: Buffer.alloc(16), option: 0 }, joinTimeout: 90, joiningEnabled: true } };
    expect(thrown(() => dlms.CCS01.encodeCommand({ ...base, parameters: { ...base.parameters, joinTimeout: 70_000 } })).field).toBe('joinTimeout');
    expect(thrown(() => dlms.CCS02.encodeCommand({ invokeId: 1, parameters: { unregisterDevice: 'not-an-eui' } })).field).toBe('unregisterDevice');
    expect(thrown(() => dlms.CCS01.encodeCommand({ ...base, invokeId: -1 })).field).toBe('long-invoke-id-and-priority');
  });
});

describe('DLMS decoding errors name the payload offset and field', () => {
  const cases: Array<[what: string, bytes: string, code: string, offset: number, field: RegExp]> = [
    ['an empty payload', '', 'TRUNCATED', 0, /APDU tag/],
    ['an unknown APDU', 'c0', 'BAD_TAG', 0, /APDU tag/],
    ['a truncated invoke id', 'd92000', 'TRUNCATED', 1, /long-invoke-id/],
    ['an unknown data type', 'da000000010000 01 07 01 0100', 'BAD_TAG', 8, /access response data\[0\]/],
    ['a length not in its shortest form', 'da000000010000 01 09 8105 0102030405 01 0100', 'BAD_LENGTH', 9, /length/],
    ['a boolean that is neither 00 nor FF', 'da000000010000 01 03 01 01 0100', 'BAD_VALUE', 9, /access response data\[0\]/],
    ['bytes after the APDU', 'da000000010000 00 00 ff', 'LENGTH_MISMATCH', 9, /end of APDU/],
    ['more results than data', 'da000000010000 00 01 0100', 'BAD_VALUE', 8, /specification count/],
    ['a compact array longer than the payload', 'da000000010000 01 13 0200 05 01 0100', 'TRUNCATED', 12, /contents/],
  ];
  it.each(cases)('%s', (_what, bytes, code, offset, field) => {
    const error = thrown(() => dlms.decodeDlms(hex(bytes)));
    expect(error.code).toBe(code);
    expect(error.offset).toBe(offset);
    expect(error.field).toMatch(field);
    expect(error.where).toBe(`payload byte ${offset}`);
  });

  it('refuses nesting deeper than the limit instead of exhausting the stack', () => {
    const deep = Buffer.concat([hex('da00000001000001'), Buffer.alloc(200, 0).fill(Buffer.of(0x02, 0x01)), hex('00 0100')]);
    expect(thrown(() => dlms.decodeDlms(deep))).toMatchObject({ code: 'BAD_VALUE' });
  });

  it('refuses a compact array element of no bytes', () => {
    expect(thrown(() => dlms.decodeDlms(hex('da000000010000 01 13 0200 01 ff 01 0100'))).message).toMatch(/no bytes/);
  });

  it('reports a payload whose format is unknown', () => {
    expect(thrown(() => decodePayload({ messageCode: 0x7777, cra: 'command', payload: hex('ff') }))).toMatchObject({ code: 'BAD_VALUE', field: 'payload' });
  });
});
