import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { parseEui64 } from '../../hal/eui64.js';
import { findDeviceType, type DeviceType } from '../security/device-types.js';
import { loadConfig } from '../config.js';
import { messageCodeEntry } from '../gbcs/index.js';
import { ccs01Command, ccs06Command, gcs13aCommand, demoHeadEndDir, HeadEndError, HeadEnd, type HeadEndMessage } from '../headend/index.js';
import { hubTopics } from '../wan/index.js';
import { chooseHub, exchange, resolveTarget, withTarget, withTool, type TargetOptions } from './wan.js';

/**
 * `hub headend`: a small test head end for the demo hub. It MACs commands with the demo Access
 * Control Broker's keys (made once beside the store, and trusted by a hub started without
 * `security.keystore`), sends them over the hub's broker as `hub send` does, and checks and
 * decodes the response.
 */
interface HeadEndOptions extends TargetOptions {
  timeout: number;
  headend?: string;
  json?: boolean;
}

const positive = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a whole number above 0');
  return n;
};

const deviceType = (value: string): DeviceType => {
  const type = findDeviceType(value);
  if (!type) throw new InvalidArgumentError(`not a Device type (ESME, GSME, PPMID, HCALCS, Type2, ...)`);
  return type;
};

async function run(program: Command, options: HeadEndOptions, build: (counter: bigint) => HeadEndMessage): Promise<void> {
  const config = await loadConfig(program.opts<{ config?: string }>().config);
  const headEnd = await HeadEnd.open(options.headend ?? demoHeadEndDir(config.store.path));
  const target = await resolveTarget(program, { ...options, hub: options.hub ?? headEnd.hub.chf });
  const counter = headEnd.nextCounter();
  const request = build(counter);
  const { bytes } = await headEnd.command(request, counter);
  const useCase = messageCodeEntry(request.messageCode)?.useCase ?? request.messageCode.toString(16);
  const response = await withTool(target, async (tool) => exchange(tool, hubTopics(target.prefix, await chooseHub(tool, target)), bytes, options.timeout));
  const { message, lines } = await headEnd.response(response);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ useCase, command: bytes.toString('hex'), response: response.toString('hex'), from: message.header.originator, counter: message.header.originatorCounter.toString(), payload: lines })}\n`);
    return;
  }
  const checked = message.macHeader ? 'MAC valid' : 'signature valid';
  process.stdout.write(`${useCase} answered by ${message.header.originator} (counter ${counter}, ${checked}):\n${lines.map((line) => `  ${line}\n`).join('')}`);
}

/** The install code from a file, else from stdin: never from argv, where other users and shell history see it. */
async function readInstallCode(file: string | undefined): Promise<string> {
  if (file !== undefined) return (await readFile(file, 'utf8')).trim();
  if (process.stdin.isTTY) throw new HeadEndError('HEADEND_NO_INSTALL_CODE', 'give the install code on stdin or with --install-code-file (never as an argument)', { where: 'ccs01' });
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

function common(command: Command): Command {
  return withTarget(command)
    .option('--timeout <seconds>', 'how long to wait for the response', positive, 10)
    .option('--headend <dir>', 'the head end\'s keys (default: headend/ in the store directory, which the demo hub trusts)')
    .option('--json', 'one JSON object: the command and response as hex, and the decoded payload');
}

export function registerHeadEnd(program: Command): void {
  const headend = program
    .command('headend')
    .description('a test head end for the demo hub: build, MAC, send and decode GBCS commands')
    .addHelpText('after', '\nStart the hub with no security.keystore (npm start) first: it trusts this head end\'s keys. See README.md, "Talk to the demo hub".\n');
  common(headend.command('ccs06').description('CCS06: read the CHF Device Log and the HAN communications check')).action(async (options: HeadEndOptions) => {
    await run(program, options, (counter) => ccs06Command(counter));
  });
  common(headend.command('gcs13a').description("GCS13a: read the gas consumption register from the GPF's copy")).action(async (options: HeadEndOptions) => {
    await run(program, options, () => gcs13aCommand());
  });
  common(
    headend
      .command('ccs01')
      .description('CCS01: add a Device to the CHF Device Log and open joining for it')
      .argument('<eui64>', "the Device's EUI-64")
      .option('--type <type>', 'the Device type (ESME, GSME, PPMID, HCALCS, Type2)', deviceType, 'ESME' as DeviceType)
      .option('--install-code-file <file>', 'a file holding the install code with its CRC, as on the label (default: read it from stdin)')
      .option('--join-timeout <seconds>', 'how long joining stays open for it', positive, 300),
  ).action(async (eui: string, options: HeadEndOptions & { type: DeviceType; installCodeFile?: string; joinTimeout: number }) => {
    const eui64 = parseEui64(eui, 'eui64');
    const installCode = await readInstallCode(options.installCodeFile);
    await run(program, options, (counter) => ccs01Command(counter, { eui64, deviceType: options.type, installCode, joinTimeoutSeconds: options.joinTimeout }));
  });
}
