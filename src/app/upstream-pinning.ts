// Publisher pinning for the gated index (`serve --provenance`, issue 12): each file's verified
// PEP 740 publishers (upstream's provenance, src/app/provenance-source.ts) update the project's
// pins, and a file by an unpinned publisher, or without attestation after attested releases,
// gets the `publisher-changed` / `attestation-missing` flag signed by pyvouch's local identity,
// weighed with the file's other statements (the policy's veto-findings make it a veto).
//
// Trust on first use needs an order: the first time a project is seen, its whole upstream page
// is replayed oldest release first, so the publisher pinned is the one that signed the earliest
// attested release, not whichever file a client happened to ask for first.
import type { Statement } from '../attest/types.js';
import { findingStatement } from '../provenance/pinning-commands.js';
import { emptyPins, judgeRelease, pinsChanged, recordRelease, type ProjectPins } from '../provenance/pinning.js';
import { compareVersions } from '../trust/order.js';
import type { IndexFile } from '../simple/types.js';
import { releaseOf } from '../pep/filename.js';
import type { PinningOptions } from './provenance-source.js';

/** Provenance fetched at once while replaying a project's page. */
const REPLAY_CONCURRENCY = 8;

/** A file's statements from upstream's provenance (the `publish` statements when it verifies). */
export type FileProvenance = (project: string, file: IndexFile, now: Date) => Promise<readonly Statement[]>;

export interface UpstreamPinningOptions extends PinningOptions {
  /** Upstream's project page: the releases replayed when a project is first seen. */
  page: (project: string) => Promise<readonly IndexFile[] | undefined>;
  /** How long loaded pins are reused before the store is read again (default 10 s), so an `accept-publisher` made elsewhere is seen. */
  ttlMs?: number;
}

/** The verified publisher ids among a file's statements. */
function publishersOf(statements: readonly Statement[], file: IndexFile): string[] {
  const sha = file.hashes['sha256']?.toLowerCase();
  const ids = new Set<string>();
  for (const s of statements) {
    if (s.kind !== 'publish' || s.publisher === undefined) continue;
    if (!s.subjects.some((sub) => sub.name === file.filename && sub.sha256.toLowerCase() === sha)) continue;
    ids.add(s.publisher.id);
  }
  return [...ids].sort();
}


/**
 * Wraps `provenance` so that each file's statements also carry its pinning findings. Pins are read
 * and written through `options.store`, one project at a time in this process.
 */
export function upstreamPinning(provenance: FileProvenance, options: UpstreamPinningOptions): FileProvenance {
  const ttlMs = options.ttlMs ?? 10_000;
  const loaded = new Map<string, { at: number; pins: ProjectPins }>();
  const locks = new Map<string, Promise<unknown>>();

  const exclusive = <T>(project: string, work: () => Promise<T>): Promise<T> => {
    const before = locks.get(project) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.catch(() => undefined);
    locks.set(project, tail);
    void tail.then(() => {
      if (locks.get(project) === tail) locks.delete(project);
    });
    return run;
  };

  /** Records releases (oldest first) and saves the pins when anything changed. */
  const record = async (pins: ProjectPins, releases: Map<string, Set<string>>, now: Date): Promise<ProjectPins> => {
    let next = pins;
    for (const version of [...releases.keys()].sort(compareVersions)) {
      next = recordRelease(next, { version, publishers: [...releases.get(version)!].sort() }, now.toISOString());
    }
    if (!pinsChanged(pins, next)) return pins;
    await options.store.save(next);
    return next;
  };

  /** The project's pins, replaying its upstream page the first time it is seen. */
  const pinsOf = async (project: string, now: Date): Promise<ProjectPins> => {
    const hit = loaded.get(project);
    if (hit !== undefined && now.getTime() - hit.at < ttlMs) return hit.pins;
    let pins = await options.store.load(project);
    if (pins === undefined) {
      const releases = new Map<string, Set<string>>();
      const listed = ((await options.page(project)) ?? []).flatMap((file) => {
        const version = releaseOf(file.filename)?.version;
        return version === undefined || file.hashes['sha256'] === undefined ? [] : [{ file, version }];
      });
      // A few provenance fetches at a time (the results are cached for the decisions that follow).
      for (let i = 0; i < listed.length; i += REPLAY_CONCURRENCY) {
        const chunk = listed.slice(i, i + REPLAY_CONCURRENCY);
        const found = await Promise.all(chunk.map(({ file }) => (file.provenance === undefined ? Promise.resolve([]) : provenance(project, file, now))));
        chunk.forEach(({ file, version }, k) => {
          const set = releases.get(version) ?? new Set<string>();
          releases.set(version, set);
          for (const id of publishersOf(found[k]!, file)) set.add(id);
        });
      }
      const fresh = emptyPins(project);
      pins = await record(fresh, releases, now);
      // Saved even when empty: the project has been seen, and its later releases are judged one by one.
      if (pins === fresh) await options.store.save(fresh);
    }
    loaded.set(project, { at: now.getTime(), pins });
    if (loaded.size > 10_000) {
      const oldest = loaded.keys().next();
      if (oldest.done !== true) loaded.delete(oldest.value);
    }
    return pins;
  };

  return async (project, file, now) => {
    const statements = await provenance(project, file, now);
    const sha256 = file.hashes['sha256']?.toLowerCase();
    const version = releaseOf(file.filename)?.version;
    // Without a digest or a release there is nothing to bind a finding to; the decision fails anyway.
    if (sha256 === undefined || version === undefined) return statements;
    const publishers = publishersOf(statements, file);
    const findings = await exclusive(project, async () => {
      let pins = await pinsOf(project, now);
      const recorded = await record(pins, new Map([[version, new Set(publishers)]]), now);
      if (recorded !== pins) {
        pins = recorded;
        loaded.set(project, { at: loaded.get(project)?.at ?? now.getTime(), pins });
      }
      return judgeRelease(pins, { version, publishers }, options.trusted);
    });
    if (findings.length === 0) return statements;
    const at = now.toISOString();
    return [...statements, ...findings.map((f) => findingStatement(f, [{ filename: file.filename, sha256 }], options.signer, at).statement)];
  };
}
