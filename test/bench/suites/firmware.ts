import { execFile } from 'node:child_process';
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AshEndpoint } from '../../../hal/ash/index.js';
import { SystemClock } from '../../../hal/clock.js';
import { EzspRadio } from '../../../hal/ezsp-radio.js';
import { linkKeyFromInstallCode } from '../../../hal/install-code.js';
import { loadScenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { encodeOtaCommand, FirmwareImages, manufacturerImageHash, OTA_COMMANDS, OtaRadioService, OtaServer, parseUpgradeImage, signUpgradeImage, verifyUpgradeImage } from '../../../src/firmware/index.js';
import { SecurityCredentials } from '../../../src/security/credentials.js';
import { openStore } from '../../../src/store/index.js';
import { loadRtdsKeystore } from '../../../src/security/rtds-secure-element.js';
import { RTDS_KEYSTORE, rtdsPresent } from '../../helpers/rtds.js';
import { ALTERNATION, alternate, costRatio, percentile, rateRatio, round, type BenchResult, type BenchSuite } from '../result.js';

/**
 * What checking an Upgrade Image costs: read the file, parse it and verify the supplier's ECDSA
 * signature over its Manufacturer Image (one SHA-256 pass and one P-256 verification), beside
 * `sha256sum` hashing the same file in the same run. The two alternate, so a busy moment of the
 * machine falls on both; each figure is the median of their runs. `sha256sum` pays for starting a
 * process, which weighs on the 1 MiB figure; at 16 MiB hashing dominates both.
 */
const SIZES = [1, 16] as const;
const SUPPLIER = '90B3D51F30010000';
const run = promisify(execFile);

const mibPerSecond = (bytes: number, ms: number): number => round(bytes / 2 ** 20 / (ms / 1000), 1);

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

async function sha256sumAvailable(): Promise<boolean> {
  try {
    await run('sha256sum', ['--version']);
    return true;
  } catch {
    return false;
  }
}

const suite: BenchSuite = async function* (): AsyncIterable<BenchResult> {
  if (!rtdsPresent) {
    process.stderr.write('firmware bench: RTDS keystore not found (set RTDS_DIR): it signs the images with the RTDS supplier key\n');
    return;
  }
  if (!(await sha256sumAvailable())) {
    process.stderr.write('firmware bench: sha256sum not found (coreutils), the peer these figures stand beside\n');
    return;
  }
  const { trustStore } = await loadRtdsKeystore(RTDS_KEYSTORE);
  const key = createPrivateKey(await readFile(join(RTDS_KEYSTORE, `${SUPPLIER.toLowerCase()}-ds.key`), 'utf8'));
  const dir = await mkdtemp(join(tmpdir(), 'hub-bench-firmware-'));
  try {
    for (const mib of SIZES) {
      const path = join(dir, `image-${mib}MiB.bin`);
      const fields = { manufacturerCode: 0x121d, imageType: 0, fileVersion: 0x00010000, stackVersion: 2, headerString: Buffer.alloc(32), hardwareVersions: { min: 0, max: 0xffff }, manufacturerImage: randomBytes(mib * 2 ** 20) };
      const image = await signUpgradeImage(fields, (data) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }));
      await writeFile(path, image);
      const verify = async () => {
        const parsed = parseUpgradeImage(await readFile(path), { signature: 'required' });
        if (verifyUpgradeImage(parsed, trustStore).eui !== SUPPLIER) throw new Error('verified by the wrong party');
        return parsed;
      };
      const verifyAndHash = async () => manufacturerImageHash(await verify());
      const peer = async () => {
        const { stdout } = await run('sha256sum', [path]);
        if (!/^[0-9a-f]{64} /.test(stdout)) throw new Error(`sha256sum said ${JSON.stringify(stdout)}`);
      };
      // Warm both (page cache, JIT) before anything counts.
      await verifyAndHash();
      await peer();
      const { ours, withHash, theirs } = await alternate({
        ours: async () => ({ ms: await timed(verify) }),
        withHash: async () => ({ ms: await timed(verifyAndHash) }),
        theirs: async () => ({ ms: await timed(peer) }),
      });
      const peerRate = mibPerSecond(image.length, theirs.ms);
      const span = 'ours: read the file, parse it, one SHA-256 pass and one P-256 verification in this process; sha256sum: start the process, read the same file, hash it';
      const caching = 'the file is in the page cache for both (each side ran once before timing); ours reuses the supplier key object between runs';
      const note = `${image.length} octets, ${ALTERNATION}`;
      const verifyRate = mibPerSecond(image.length, ours.ms);
      yield { metric: `verify_${mib}MiB`, value: verifyRate, unit: 'MiB/s', peer: 'sha256sum', peer_value: peerRate, ratio: rateRatio(verifyRate, peerRate), span, caching, note };
      const hashRate = mibPerSecond(image.length, withHash.ms);
      yield { metric: `verify_and_index_hash_${mib}MiB`, value: hashRate, unit: 'MiB/s', peer: 'sha256sum', peer_value: peerRate, ratio: rateRatio(hashRate, peerRate), span: `${span}; ours also hashes the Manufacturer Image again, the key it is held under`, caching, note };
    }
    yield* otaBlocks(dir, trustStore, key);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

/**
 * What the hub spends on one OTA Image Block (request decoded, image found, block cut, response
 * encoded), beside what the radio spends sending that block at 250 kbit/s: a 63-octet block travels
 * in a response of 13 octets of fields and a length octet, under ZCL (3), APS (8), NWK (8), MAC (11 with
 * the FCS) and the PHY's preamble, SFD and length (6): 113 octets on air.
 */
const OTA_BLOCK = 63;
const AIR_OCTETS = OTA_BLOCK + 13 + 1 + 3 + 8 + 8 + 11 + 6;
const RADIO_BITS_PER_SECOND = 250_000;
/** Whole transfers of the end-to-end row: each takes seconds, so three, not five. */
const TRANSFER_RUNS = 3;

async function* otaBlocks(dir: string, trustStore: Parameters<typeof verifyUpgradeImage>[1], key: ReturnType<typeof createPrivateKey>): AsyncIterable<BenchResult> {
  const store = await openStore({ path: join(dir, 'ota-store') });
  try {
    const clock = new SystemClock();
    const images = await FirmwareImages.open(store, { clock, quotaBytes: 4 * 2 ** 20 });
    const fields = { manufacturerCode: 0x121d, imageType: 0, fileVersion: 2, stackVersion: 2, headerString: Buffer.alloc(32), manufacturerImage: randomBytes(2 ** 20) };
    const image = await signUpgradeImage(fields, (data) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }));
    const credentials = await SecurityCredentials.open(store);
    for (const held of trustStore.forRole('supplier', 'digitalSigning')) await credentials.install(held);
    const { entry } = await images.add(image, { credentials });
    const server = await OtaServer.open({ store, images, clock });
    const eui = '00DB1234567890A0';
    await server.offer(eui, entry.hash);
    const request = (offset: number) => encodeOtaCommand('imageBlockRequest', { fieldControl: 0, manufacturerCode: 0x121d, imageType: 0, fileVersion: 2, fileOffset: offset, maximumDataSize: OTA_BLOCK });
    const blocks = Math.ceil(image.length / OTA_BLOCK);
    for (let i = 0; i < 200; i++) await server.handle(eui, OTA_COMMANDS.imageBlockRequest.id, request(i * OTA_BLOCK));
    const samples: number[] = [];
    for (let i = 0; i < blocks; i++) {
      const payload = request(i * OTA_BLOCK);
      const start = performance.now();
      await server.handle(eui, OTA_COMMANDS.imageBlockRequest.id, payload);
      samples.push(performance.now() - start);
    }
    const hubUs = round(percentile(samples, 50) * 1000, 1);
    const radioUs = round(((AIR_OCTETS * 8) / RADIO_BITS_PER_SECOND) * 1e6, 1);
    yield* endToEnd(store, images, credentials, key);
    yield { metric: 'ota_block_service_p50', value: hubUs, unit: 'µs', baseline: '250 kbit/s air time of the block', baseline_value: radioUs, ratio: costRatio(hubUs, radioUs), span: 'ours: OtaServer.handle of one encoded Image Block Request to its encoded response; baseline: the response frame\'s air time, computed', caching: 'the image is read from the store once (before timing) and kept in memory', note: `${blocks} blocks of ${OTA_BLOCK} octets of a 1 MiB image; p99 ${round(percentile(samples, 99) * 1000, 1)} µs; ${AIR_OCTETS} octets on air per block` };
  } finally {
    await store.close();
  }
}

export default suite;

/**
 * A 500 KiB image from the hub to the simulated ESME over the whole radio path (OTA server, EZSP
 * over ASH, the simulated NCP and HAN), pulled block by block by the ESME's own OTA client
 * (hal/sim/ota-client.ts), one block in flight. The peer is the air time the same blocks need at 250 kbit/s.
 */
async function* endToEnd(store: Awaited<ReturnType<typeof openStore>>, images: FirmwareImages, credentials: SecurityCredentials, key: ReturnType<typeof createPrivateKey>): AsyncIterable<BenchResult> {
  const ESME = '00DB1234567890A0';
  const clock = new SystemClock();
  const image = await signUpgradeImage({ manufacturerCode: 0x121d, imageType: 0, fileVersion: 3, stackVersion: 2, headerString: Buffer.alloc(32), manufacturerImage: randomBytes(500 * 1024 - 126) }, (data) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }));
  const { entry } = await images.add(image, { credentials });
  const scenario = await loadScenario(undefined);
  const sim = new Simulator({ scenario, clock, ezspVersion: 13, seed: 1 });
  const [hostSide, ncpSide] = memoryTransportPair('ota-bench');
  sim.serve(ncpSide);
  const radio = new EzspRadio({ link: new AshEndpoint({ role: 'host', transport: hostSide, clock }), clock, reconnectDelayMs: 50, commandTimeoutMs: 2000 });
  try {
    await radio.start();
    await radio.formNetwork({ channel: 15, panId: 0x1234 });
    await radio.permitJoining([{ eui64: ESME, linkKey: linkKeyFromInstallCode(scenario.devices.find((d) => d.eui64 === ESME)!.installCode) }], 60);
    sim.join(ESME);
    const server = await OtaServer.open({ store, images, clock });
    const service = new OtaRadioService(radio, server);
    service.start();
    await server.offer(ESME, entry.hash);
    const client = sim.otaClient(ESME);
    const transfer = async () => {
      const downloaded = new Promise<{ status: number; hash?: string }>((resolve) => client.once('downloaded', resolve));
      const start = performance.now();
      client.query();
      const result = await downloaded;
      if (result.hash !== entry.hash) throw new Error(`the ESME ended the transfer with status ${result.status}`);
      const seconds = (performance.now() - start) / 1000;
      // Its Upgrade End answered before the next run asks again.
      while (client.status().state !== 'downloaded') await new Promise((resolve) => setImmediate(resolve));
      return { seconds };
    };
    const { seconds } = (await alternate({ transfer }, TRANSFER_RUNS)).transfer;
    service.stop();
    const airSeconds = (Math.ceil(image.length / OTA_BLOCK) * AIR_OCTETS * 8) / RADIO_BITS_PER_SECOND;
    yield { metric: 'ota_500KiB_to_simulated_esme', value: round(seconds, 2), unit: 's', baseline: 'air time of the blocks at 250 kbit/s', baseline_value: round(airSeconds, 2), ratio: costRatio(seconds, airSeconds), span: 'ours: from the simulated ESME\'s Query Next Image to its OTA client holding the whole image (every Image Block Request and response, its check of the image); baseline: the response frames\' air time, computed', caching: 'the image is read from the store once, at the first block, and kept in memory; nothing else is reused', note: `${Math.ceil(image.length / OTA_BLOCK)} blocks of ${OTA_BLOCK} octets, one in flight, through EZSP/ASH and the simulated NCP; the median of ${TRANSFER_RUNS} transfers; a real HAN adds the requests' air time and the Device's pace` };
  } finally {
    await radio.stop().catch(() => undefined);
    await sim.close();
  }
}
