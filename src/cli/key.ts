// `pyvouch key new|show`: the user's signing identity, a did:key kept under the config directory.
import type { Command } from 'commander';
import { generateIdentity } from '../attest/keys.js';
import { keyFilePath, readKeyFile, writeKeyFile } from '../attest/keyfile.js';
import { pyvouchDirs } from './paths.js';
import { run } from './run.js';
import { currentIo, formatOption, printJson } from './output.js';

export function registerKey(program: Command): void {
  const key = program.command('key').description('create or show your signing identity (an Ed25519 did:key)');
  key
    .command('new')
    .description('create a new signing key; prints its identity URI as the last line')
    .option('--name <name>', 'display name signed into your statements (e.g. "Acme security")')
    .option('--contact <contact>', 'how to reach you (kept in the key file only)')
    .option('--key-name <name>', 'file name under keys/ (default: default)')
    .action(
      run(async (opts: { name?: string; contact?: string; keyName?: string }) => {
        const dirs = pyvouchDirs();
        const identity = generateIdentity({
          ...(opts.name === undefined ? {} : { name: opts.name }),
          ...(opts.contact === undefined ? {} : { contact: opts.contact }),
        });
        const path = await writeKeyFile(dirs.config, identity, opts.keyName === undefined ? {} : { keyName: opts.keyName });
        currentIo().stderr(`wrote ${path} (mode 0600)\n`);
        currentIo().stdout(`${identity.did}\n`);
        return 0;
      }),
    );
  key
    .command('show')
    .description('print your identity URI')
    .option('--key-name <name>', 'file name under keys/ (default: default)')
    .addOption(formatOption(['text', 'json']))
    .action(
      run(async (opts: { keyName?: string; format: string }) => {
        const path = keyFilePath(pyvouchDirs().config, opts.keyName);
        const identity = await readKeyFile(path);
        if (opts.format === 'json') {
          printJson({ identity: identity.did, name: identity.name ?? null, contact: identity.contact ?? null, created: identity.created, file: path });
        } else {
          if (identity.name !== undefined) currentIo().stdout(`name:     ${identity.name}\n`);
          if (identity.contact !== undefined) currentIo().stdout(`contact:  ${identity.contact}\n`);
          currentIo().stdout(`created:  ${identity.created}\nkey file: ${path}\n${identity.did}\n`);
        }
        return 0;
      }),
    );
}
