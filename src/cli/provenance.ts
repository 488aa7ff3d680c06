// `pyvouch provenance DIST --provenance FILE|DIR`: verifies a distribution against its PEP 740
// attestations offline (Sigstore trusted root shipped, or --trusted-root), exit 0 verified, 1 not
// verified with the reason, 2 malformed input. `pyvouch accept-publisher NAME --publisher ID`
// records, signed with the user's key, that a project's publisher change is accepted.
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { PyvouchError } from '../errors.js';
import { findProvenance } from '../provenance/find.js';
import { readTrustedRootFile, shippedTrustedRoot } from '../provenance/trusted-root.js';
import { verifyProvenance, type ProvenanceResult } from '../provenance/verify.js';
import { describePublisher } from '../provenance/statements.js';
import { acceptPublisher } from '../provenance/pinning-commands.js';
import { currentIo, formatOption, parseFormat, printJson } from './output.js';
import { pyvouchDirs } from './paths.js';
import { EXIT_PASS, EXIT_POLICY_FAILURE, run } from './run.js';

interface ProvenanceOptions {
  provenance?: string;
  trustedRoot?: string;
  format: string;
}

export function provenanceJson(result: ProvenanceResult): Record<string, unknown> {
  const p = result.publisher;
  return {
    verified: result.verified,
    filename: result.filename,
    sha256: result.sha256,
    publisher:
      p === undefined
        ? null
        : { kind: p.kind, id: p.id, repository: p.repository ?? null, workflow: p.workflow ?? null, environment: p.environment ?? null },
    reason: result.reason ?? null,
    ...(result.detail === undefined ? {} : { detail: result.detail }),
    attestations: result.attestations.map((a) => ({ predicateType: a.predicateType, loggedAt: a.loggedAt, publisher: a.publisher.id })),
  };
}

async function provenanceCommand(dist: string, opts: ProvenanceOptions): Promise<number> {
  const format = parseFormat(opts.format, ['text', 'json']);
  let bytes: Buffer;
  try {
    if (!(await stat(dist)).isFile()) throw new Error('not a file');
    bytes = await readFile(dist);
  } catch (err) {
    throw new PyvouchError('IO', `cannot read distribution ${dist}: ${(err as Error).message}`, { file: dist, cause: err });
  }
  const filename = basename(dist);
  const location = opts.provenance ?? `${dist}.provenance`;
  const provenance = await findProvenance(location, filename);
  if (provenance === undefined) {
    throw new PyvouchError('IO', `no provenance for ${filename} in ${location} (expected ${filename}.provenance)`, {
      file: location,
      help: `download it from https://pypi.org/integrity/<project>/<version>/${filename}/provenance and pass --provenance FILE`,
    });
  }
  const trust = opts.trustedRoot === undefined ? shippedTrustedRoot() : readTrustedRootFile(opts.trustedRoot);
  const result = verifyProvenance({ filename, bytes }, provenance, trust);
  if (format === 'json') {
    printJson(provenanceJson(result));
  } else if (result.verified && result.publisher !== undefined) {
    currentIo().stdout(`verified: ${filename} (sha256 ${result.sha256})\n`);
    currentIo().stdout(`published by ${describePublisher(result.publisher)}, verified by Sigstore\n`);
    for (const a of result.attestations) currentIo().stdout(`  ${a.predicateType} logged ${a.loggedAt}\n`);
  } else {
    currentIo().stdout(`NOT verified: ${filename} (sha256 ${result.sha256})\n`);
    currentIo().stdout(`reason: ${result.reason ?? 'unknown'}${result.detail === undefined ? '' : `: ${result.detail}`}\n`);
  }
  return result.verified ? EXIT_PASS : EXIT_POLICY_FAILURE;
}

export function registerProvenance(program: Command): void {
  program
    .command('provenance')
    .description('verify a distribution against its PEP 740 attestations (offline, with Sigstore)')
    .argument('<dist>', 'the wheel or sdist file')
    .option('--provenance <file|dir>', 'the provenance JSON (PyPI Integrity API or one attestation), or a directory of <filename>.provenance files (default: <dist>.provenance)')
    .option('--trusted-root <file>', "Sigstore trusted_root.json to use instead of the shipped one")
    .addOption(formatOption(['text', 'json']))
    .action(run(provenanceCommand));
  program
    .command('accept-publisher')
    .description("accept a project's new PEP 740 publisher (signed with your key), so pinning stops flagging it")
    .argument('<name>', 'the project')
    .requiredOption('--publisher <id>', 'the publisher identity, e.g. github:pallets/flask')
    .option('--key <file>', 'key file (default: your default key)')
    .action(
      run(async (name: string, opts: { publisher: string; key?: string }) => {
        const record = await acceptPublisher(pyvouchDirs(), name, opts.publisher, opts.key);
        currentIo().stderr(`accepted ${record.publisher} as the publisher of ${record.project} (by ${record.by})\n`);
        return EXIT_PASS;
      }),
    );
}

