// The commands that make signed statements: review, vote, like, flag (about an exact release, bound
// to its artifacts' sha256), trust (about another identity) and retract (takes back statements of
// one's own). Each parses its flags, opens the key and the store, and calls src/app/review.ts, which
// builds the in-toto statement, signs it, verifies it like any imported one and stores it.
import type { Command } from 'commander';
import { PyvouchError } from '../errors.js';
import { releaseArtifacts, retractableIds, signReview, type SignedStatement, type SignReviewInput } from '../app/review.js';
import type { Identity } from '../attest/keys.js';
import { loadDefaultKey, readKeyFile, keyFilePath } from '../attest/keyfile.js';
import { isDidKey } from '../attest/did.js';
import { FINDING_SEVERITIES, REVIEW_RATINGS, TRUST_LEVELS } from '../attest/predicate.js';
import type { FindingSeverity, ReviewRating, TrustLevel } from '../attest/types.js';
import { canonicalizeName } from '../pep/name.js';
import { Version } from '../pep/version.js';
import { openStore } from '../store/open.js';
import { pyvouchDirs } from './paths.js';
import { run } from './run.js';
import { collectOption } from './options.js';
import { currentIo, printJson } from './output.js';

export interface CommonOptions {
  comment?: string;
  key?: string;
  store?: string;
  expires?: string;
  json?: boolean;
}

interface TargetedOptions extends CommonOptions {
  file?: string[];
  lock?: string;
}

/** `NAME==VERSION` → canonical name and normalised version. */
export function parsePin(text: string): { name: string; version: string } {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s=]+)\s*$/.exec(text);
  if (m === null) {
    throw new PyvouchError('USAGE', `expected NAME==VERSION, got '${text}'`, { help: 'e.g. pyvouch review requests==2.32.3 --lock uv.lock' });
  }
  return { name: canonicalizeName(m[1]!), version: new Version(m[2]!).toString() };
}

/** An expiry as an ISO date-time: `2027-01-31`, a full RFC 3339 time, or a duration like `180d`. */
export function parseExpiry(text: string, now: Date): string {
  const duration = /^(\d+)\s*(d|w|y)$/i.exec(text.trim());
  if (duration !== null) {
    const days = Number(duration[1]) * ({ d: 1, w: 7, y: 365 } as Record<string, number>)[duration[2]!.toLowerCase()]!;
    return new Date(now.getTime() + days * 86_400_000).toISOString();
  }
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? `${text.trim()}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw new PyvouchError('USAGE', `cannot read the expiry '${text}'`, { help: 'use a date (2027-01-31) or a duration (180d, 26w, 1y)' });
  return new Date(ms).toISOString();
}

async function loadIdentity(opts: CommonOptions): Promise<Awaited<ReturnType<typeof loadDefaultKey>>> {
  const dirs = pyvouchDirs();
  return opts.key === undefined ? await loadDefaultKey(dirs.config) : await readKeyFile(opts.key.includes('/') ? opts.key : keyFilePath(dirs.config, opts.key));
}

/** `pyvouch retract ID...`: signs a retraction of statements of one's own (src/app/review.ts checks whose they are). */
async function retractStatements(ids: string[], opts: CommonOptions): Promise<number> {
  const identity = await loadIdentity(opts);
  const store = await openStore(opts.store, pyvouchDirs().data);
  let wanted: string[];
  try {
    wanted = await retractableIds(store, ids, identity);
  } finally {
    await store.close();
  }
  return signAndStore({ kind: 'retract', retracts: wanted, description: opts.comment ?? '' }, opts, identity);
}

/** Signs, verifies (as an importer would), stores and reports a statement. */
export async function signAndStore(input: SignReviewInput['statement'], opts: CommonOptions, signer?: Identity): Promise<number> {
  const identity = signer ?? (await loadIdentity(opts));
  const now = new Date();
  const store = await openStore(opts.store, pyvouchDirs().data);
  let signed: SignedStatement;
  try {
    signed = await signReview({
      statement: input,
      identity,
      store,
      now,
      ...(opts.expires === undefined ? {} : { endTime: parseExpiry(opts.expires, now) }),
    });
  } finally {
    await store.close();
  }
  const { stored, envelope } = signed;
  if (opts.json === true) printJson({ id: stored.statement.id, statement: stored.statement, envelope });
  else {
    currentIo().stderr(`signed ${input.kind} statement by ${identity.did}${input.package !== undefined ? ` about ${input.package.name}==${input.package.version}` : ''}\n`);
    currentIo().stdout(`${stored.statement.id}\n`);
  }
  return 0;
}

const oneOf = <T extends string>(value: string, allowed: readonly T[], what: string): T => {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new PyvouchError('USAGE', `unknown ${what} '${value}'`, { help: `use one of: ${allowed.join(', ')}` });
};

const criteriaList = (text: string): string[] => text.split(',').map((s) => s.trim()).filter(Boolean);

/** What a review and an audit both say: the release and its files, the criteria met, the delta base, why. */
function criteriaClaim(pin: { name: string; version: string }, opts: TargetedOptions & { criteria: string; deltaFrom?: string }) {
  return {
    package: pin,
    artifacts: releaseArtifacts(pin, opts),
    criteria: criteriaList(opts.criteria),
    ...(opts.deltaFrom === undefined ? {} : { deltaFrom: new Version(opts.deltaFrom).toString() }),
    description: opts.comment ?? '',
  };
}

function targeted(cmd: Command): Command {
  return cmd
    .argument('<pin>', 'the release, as NAME==VERSION')
    .option('--file <path>', 'a wheel or sdist of the release to bind to (repeatable)', collectOption)
    .option('--lock <file>', 'bind to the release\'s files as recorded in this lock file')
    .option('--comment <text>', 'why: the statement\'s description')
    .option('--expires <when>', 'stop counting after this date or duration (2027-01-31, 180d, 1y)')
    .option('--key <name>', 'sign with this key (a name under keys/ or a path)')
    .option('--store <path|url>', 'statement store: a SQLite file or a postgres:// URL')
    .option('--json', 'print the signed statement as JSON');
}

export function registerStatementCommands(program: Command): void {
  program
    .command('retract')
    .description('take back statements you signed (by id): evaluation, show and the gated index stop counting them')
    .argument('<id...>', 'the statement ids, as `pyvouch show` prints them')
    .option('--comment <text>', 'why')
    .option('--key <name>', 'sign with this key (the key that signed the statements)')
    .option('--store <path|url>', 'statement store')
    .option('--json', 'print the signed statement as JSON')
    .action(run(async (ids: string[], opts: CommonOptions) => retractStatements(ids, opts)));

  targeted(program.command('review').description('sign a review of an exact release: the criteria it meets, a rating and why'))
    .option('--criteria <list>', 'criteria the release meets, comma-separated', 'safe-to-deploy')
    .option('--rating <rating>', `rating: ${REVIEW_RATINGS.join(', ')}`, 'positive')
    .option('--delta-from <version>', 'the review covers only the diff from this (already reviewed) version')
    .action(
      run(async (pinText: string, opts: TargetedOptions & { criteria: string; rating: string; deltaFrom?: string }) => {
        const rating = oneOf<ReviewRating>(opts.rating, REVIEW_RATINGS, 'rating');
        return signAndStore({ kind: 'review', ...criteriaClaim(parsePin(pinText), opts), rating }, opts);
      }),
    );

  targeted(program.command('audit').description('sign an audit (schema.org AssessAction): the release meets these criteria'))
    .requiredOption('--criteria <list>', 'criteria the release meets, comma-separated (e.g. safe-to-deploy)')
    .option('--delta-from <version>', 'the audit covers only the diff from this (already audited) version')
    .action(
      run(async (pinText: string, opts: TargetedOptions & { criteria: string; deltaFrom?: string }) => {
        return signAndStore({ kind: 'assess', ...criteriaClaim(parsePin(pinText), opts) }, opts);
      }),
    );

  targeted(program.command('vote').description('vote for (or --against) an exact release'))
    .option('--against', 'vote against')
    .action(
      run(async (pinText: string, opts: TargetedOptions & { against?: boolean }) => {
        const pin = parsePin(pinText);
        return signAndStore(
          { kind: 'vote', package: pin, artifacts: releaseArtifacts(pin, opts), vote: opts.against === true ? 'against' : 'for', description: opts.comment ?? '' },
          opts,
        );
      }),
    );

  targeted(program.command('like').description('like an exact release (a weak, public signal)')).action(
    run(async (pinText: string, opts: TargetedOptions) => {
      const pin = parsePin(pinText);
      return signAndStore({ kind: 'like', package: pin, artifacts: releaseArtifacts(pin, opts), description: opts.comment ?? '' }, opts);
    }),
  );

  targeted(program.command('flag').description('record a negative finding about an exact release'))
    .requiredOption('--kind <kind>', 'malicious, vulnerable, unmaintained, or your own word')
    .option('--severity <severity>', `severity: ${FINDING_SEVERITIES.join(', ')}`, 'high')
    .action(
      run(async (pinText: string, opts: TargetedOptions & { kind: string; severity: string }) => {
        const pin = parsePin(pinText);
        if (opts.comment === undefined || opts.comment.trim() === '') {
          throw new PyvouchError('USAGE', 'a finding needs a reason', { help: 'say why with --comment "…"' });
        }
        return signAndStore(
          {
            kind: 'flag',
            package: pin,
            artifacts: releaseArtifacts(pin, opts),
            finding: { kind: opts.kind.trim().toLowerCase(), severity: oneOf<FindingSeverity>(opts.severity, FINDING_SEVERITIES, 'severity') },
            description: opts.comment,
          },
          opts,
        );
      }),
    );

  program
    .command('trust')
    .description('say how much you trust another identity (or that you distrust it)')
    .argument('<identity>', 'the identity, a did:key URI')
    .requiredOption('--level <level>', `${TRUST_LEVELS.join(', ')}`)
    .option('--criteria <list>', 'only for these criteria, comma-separated (default: all)')
    .option('--comment <text>', 'why')
    .option('--expires <when>', 'stop counting after this date or duration')
    .option('--key <name>', 'sign with this key')
    .option('--store <path|url>', 'statement store')
    .option('--json', 'print the signed statement as JSON')
    .action(
      run(async (identity: string, opts: CommonOptions & { level: string; criteria?: string }) => {
        if (!isDidKey(identity)) throw new PyvouchError('USAGE', `'${identity}' is not a did:key identity`, { help: 'identities look like did:key:z6Mk…; `pyvouch key show` prints yours' });
        const criteria = opts.criteria === undefined ? [] : opts.criteria.split(',').map((s) => s.trim()).filter(Boolean);
        return signAndStore(
          { kind: 'trust', trust: { subject: identity, level: oneOf<TrustLevel>(opts.level, TRUST_LEVELS, 'trust level'), criteria }, description: opts.comment ?? '' },
          opts,
        );
      }),
    );
}
