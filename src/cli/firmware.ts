import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { HubError } from '../../hal/errors.js';
import { parseEui64 } from '../../hal/eui64.js';
import { loadConfig } from '../config.js';
import { HEADER_STRING_LENGTH, buildUpgradeImage, signUpgradeImage, type UpgradeImageFields } from '../firmware/index.js';
import { writeFileAtomic } from '../security/atomic-file.js';
import { privateFileProblem } from '../security/file-permissions.js';
import { loadRtdsKeystore } from '../security/rtds-secure-element.js';
import { formatImageInspection, inspectUpgradeImage, type Trust } from '../firmware/index.js';
import { invoke, type InvokeOptions, firmwareInspect, firmwareStatusOperation, formatFirmwareStatus, fromWireError } from '../control/index.js';

/**
 * `hub firmware`: GBCS Upgrade Images from the command line. `inspect` reads one (and checks its
 * supplier signature against a keystore or the hub's Security Credentials), `pack` makes one for a
 * lab, `status` lists what the hub holds.
 */
export class FirmwareCommandError extends HubError {}

interface StoreOptions {
  store?: string;
  keys?: string;
}

async function storePath(program: Command, options: StoreOptions): Promise<string> {
  return resolve(options.store ?? (await loadConfig(program.opts<{ config?: string }>().config)).store.path);
}

function target(path: string, options: StoreOptions): InvokeOptions {
  return { storePath: path, keysDir: options.keys ?? path };
}

/** A number given as decimal or 0x-hex that fits `octets`. */
function number(text: string, octets: number, what: string): number {
  const value = /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text.slice(2), 16) : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value >= 2 ** (8 * octets)) throw new FirmwareCommandError('BAD_OPTION', `"${text}" is not a number of ${octets} octet(s) (decimal or 0x-hex)`, { where: what });
  return value;
}

function hardwareRange(text: string): { min: number; max: number } {
  const [min, max, extra] = text.split('-');
  if (min === undefined || max === undefined || extra !== undefined) throw new FirmwareCommandError('BAD_OPTION', `"${text}" is not MIN-MAX`, { where: '--hardware' });
  return { min: number(min, 2, '--hardware'), max: number(max, 2, '--hardware') };
}

function headerString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length > HEADER_STRING_LENGTH) throw new FirmwareCommandError('BAD_OPTION', `the header string is ${bytes.length} characters; it holds ${HEADER_STRING_LENGTH}`, { where: '--header-string' });
  return Buffer.concat([bytes, Buffer.alloc(HEADER_STRING_LENGTH - bytes.length)]);
}

/** The supplier's P-256 signing key, from a PEM file only its owner can read. */
async function signingKey(path: string): Promise<KeyObject> {
  const problem = privateFileProblem((await stat(path)).mode, path, 'the signing key');
  if (problem) throw new FirmwareCommandError('KEY_FILE_OPEN', problem, { where: path });
  let key: KeyObject;
  try {
    key = createPrivateKey(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new FirmwareCommandError('BAD_KEY', 'not a PEM private key', { where: path, cause });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new FirmwareCommandError('BAD_KEY', 'an Upgrade Image is signed with an ECDSA P-256 key; this is not one', { where: path });
  }
  return key;
}

interface PackOptions {
  output: string;
  key?: string;
  unsigned?: boolean;
  manufacturer: string;
  imageType: string;
  fileVersion: string;
  stackVersion: string;
  hardware?: string;
  headerString: string;
  destination?: string;
  forceReplace?: boolean;
}

async function pack(bundle: string, options: PackOptions): Promise<string> {
  if (!options.key && !options.unsigned) throw new FirmwareCommandError('NO_KEY', 'give --key FILE to sign the image, or --unsigned for a target that takes unsigned images', { where: '--key' });
  const fields: UpgradeImageFields = {
    manufacturerCode: number(options.manufacturer, 2, '--manufacturer'),
    imageType: number(options.imageType, 2, '--image-type'),
    fileVersion: number(options.fileVersion, 4, '--file-version'),
    stackVersion: number(options.stackVersion, 2, '--stack-version'),
    headerString: headerString(options.headerString),
    ...(options.hardware ? { hardwareVersions: hardwareRange(options.hardware) } : {}),
    ...(options.destination ? { destination: parseEui64(options.destination, '--destination') } : {}),
    manufacturerImage: await readFile(bundle),
  };
  let image: Buffer;
  if (options.key) {
    const key = await signingKey(options.key);
    image = await signUpgradeImage(fields, (data) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }), options.forceReplace ?? false);
  } else {
    image = buildUpgradeImage(fields);
  }
  // An Upgrade Image is public: anyone may read it, only the supplier's signature makes it count.
  await writeFileAtomic(options.output, image, 0o644);
  const { inspection } = inspectUpgradeImage(image, undefined, options.key ? 'required' : 'absent');
  return `wrote ${options.output}: ${image.length} octets, Manufacturer Image SHA-256 ${inspection.manufacturerImage.sha256}, ${options.key ? 'signed' : 'unsigned'}\n`;
}

export function registerFirmware(program: Command): void {
  const firmware = program.command('firmware').description('GBCS Upgrade Images: inspect one, pack one for a lab, list those the hub holds');
  firmware
    .command('inspect')
    .description('show an Upgrade Image: its OTA header, the Manufacturer Image hash CS06 names, its signature and who made it')
    .argument('<file>', 'the Upgrade Image, raw octets')
    .option('--keystore <dir>', 'check the signature against the supplier certificates in this folder (<eui>-ds.pem)')
    .option('--store <path>', "check it against the hub's Security Credentials in this store (through the running hub, if one runs)")
    .option('--keys <dir>', 'the directory with keys.json (default: the store directory)')
    .option('--signature <presence>', 'required, absent, or auto (a trailer is taken when the last 66 octets read as one)', 'auto')
    .option('--json', 'print one JSON object instead of text')
    .addHelpText('after', '\nExample:\n  hub firmware inspect ../shared/firmware/esme-sample-upgrade-image.bin --keystore ../shared/rtds/keystore\n')
    .action(async (file: string, options: StoreOptions & { keystore?: string; signature: string; json?: boolean }) => {
      if (!['auto', 'required', 'absent'].includes(options.signature)) throw new FirmwareCommandError('BAD_OPTION', `"${options.signature}" is not required, absent or auto`, { where: '--signature' });
      const bytes = await readFile(file);
      const presence = options.signature as 'auto' | 'required' | 'absent';
      const show = (trust?: Trust) => {
        const { inspection, refusal } = inspectUpgradeImage(bytes, trust, presence);
        process.stdout.write(options.json ? `${JSON.stringify(inspection, null, 2)}\n` : formatImageInspection(inspection));
        if (refusal) throw refusal;
      };
      if (options.keystore) {
        const { trustStore } = await loadRtdsKeystore(options.keystore);
        show({ credentials: trustStore, others: trustStore.all(), source: `the keystore ${options.keystore}` });
      } else if (options.store) {
        const path = resolve(options.store);
        // The hub (or this process, with none running) checks it against the Security Credentials it holds.
        const { inspection, refusal } = await invoke(firmwareInspect, { path: resolve(file), presence }, target(path, options));
        process.stdout.write(options.json ? `${JSON.stringify(inspection, null, 2)}\n` : formatImageInspection(inspection));
        if (refusal) throw fromWireError(refusal);
      } else show();
    });
  firmware
    .command('pack')
    .description('wrap a bundle (any file) as an Upgrade Image, signed with a supplier key: for labs and tests')
    .argument('<bundle>', 'the Manufacturer Image: the file to carry')
    .requiredOption('-o, --output <file>', 'where to write the Upgrade Image')
    .option('--key <pem>', "the supplier's ECDSA P-256 private key (PEM, mode 600)")
    .option('--unsigned', 'no signature (only a SMETS1 PPMID takes one)')
    .requiredOption('--manufacturer <code>', 'manufacturer code, e.g. 0x121D')
    .requiredOption('--image-type <type>', 'image type, e.g. 0x0000')
    .requiredOption('--file-version <version>', 'the 4-octet firmware version, e.g. 0x00010002')
    .option('--stack-version <version>', 'ZigBee stack version', '0x0002')
    .option('--hardware <min-max>', 'the hardware versions the image is for, e.g. 0x1111-0x1211')
    .option('--header-string <text>', 'up to 32 characters', '')
    .option('--destination <eui64>', 'an image for this one Device only')
    .option('--force-replace', 'set the force-replace octet')
    .action(async (bundle: string, options: PackOptions) => {
      process.stdout.write(await pack(bundle, options));
    });
  firmware
    .command('status')
    .description('the Upgrade Images the hub holds, those on their way in, the activations scheduled and, with --slots, which slot runs (through the running hub, if one runs)')
    .option('--store <path>', 'the store directory (default: store.path from the config)')
    .option('--keys <dir>', 'the directory with keys.json (default: the store directory)')
    .option('--slots <dir>', "the root of the hub's own A/B image slots")
    .option('--json', 'print one JSON object instead of text')
    .action(async (options: StoreOptions & { slots?: string; json?: boolean }) => {
      const path = await storePath(program, options);
      const status = await invoke(firmwareStatusOperation, options.slots === undefined ? {} : { slots: resolve(options.slots) }, target(path, options));
      process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatFirmwareStatus(status));
    });
}
