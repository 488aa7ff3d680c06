// PubGrub version solving (Natalie Weizenbaum's algorithm, as pub and uv use it): unit propagation
// over incompatibilities, conflict-driven learning with backjumping, and decisions in pip's order
// of preference taking the newest allowed release. A proof of failure is kept as the derivation
// tree of the final incompatibility, which explain.ts turns into sentences.
//
// Python specifics: extras are virtual packages `name[extra]`; markers (PEP 508) are evaluated
// against the target with `extra` set for an extra's own requirements; Requires-Python and "no file
// fits the target" make a release unusable; constraints limit versions without requiring anything.

import { PyvouchError, isPyvouchError } from '../errors.js';
import type { MarkerEnvironment } from '../pep/marker.js';
import type { Requirement } from '../pep/requirement.js';
import type { Version } from '../pep/version.js';
import {
  Incompatibility,
  PackageTable,
  intersectTerms,
  negate,
  term,
  termSatisfies,
  type Cause,
  type Package,
  type Term,
} from './incompatibility.js';
import { Heap } from './heap.js';
import { markerHolds } from './markers.js';
import { PartialSolution } from './partial-solution.js';
import { UNUSABLE_CANDIDATE_CODES, type CandidateDependencies, type ResolverProvider } from './provider.js';
import { VersionRange } from './ranges.js';
import { ProjectUniverse, pythonAllows, type UniverseRules } from './universe.js';

export interface SolverInput {
  requirements: readonly Requirement[];
  constraints: readonly Requirement[];
  provider: ResolverProvider;
  environment: MarkerEnvironment;
  rules: UniverseRules;
}

/** Thrown when no solution exists; `incompatibility` is the root of the proof. */
export class NoSolution extends Error {
  constructor(
    readonly incompatibility: Incompatibility,
    readonly solver: Solver,
  ) {
    super('no solution');
  }
}

/** The outcome of solving: the chosen version of every package and what was learned on the way. */
export interface Solution {
  readonly packages: PackageTable;
  /** Chosen versions by package id (projects and extras; not the root). */
  readonly chosen: ReadonlyMap<number, Version>;
  /** Metadata of each chosen project release, by name. */
  readonly metadata: ReadonlyMap<string, CandidateDependencies>;
  readonly stats: SolverStats;
}

export interface SolverStats {
  decisions: number;
  conflicts: number;
  restarts: number;
  incompatibilities: number;
}

/** A learned fact stopped being true because a list of candidates grew; start over. */
class Restart extends Error {}

type Dependencies = { kind: 'ok'; deps: CandidateDependencies } | { kind: 'unusable'; cause: Cause };

export class Solver {
  readonly packages = new PackageTable();
  readonly #input: SolverInput;
  readonly #universes = new Map<string, ProjectUniverse>();
  readonly #loading = new Map<string, Promise<ProjectUniverse>>();
  readonly #dependencies = new Map<string, Promise<Dependencies>>();
  /** The dependency incompatibilities of each (package, version) already added; null: unusable. */
  readonly #added = new Map<string, Incompatibility[] | null>();
  /** Per package and dependency, runs of consecutive releases (indexes) known to share it. */
  readonly #runs = new Map<number, Map<string, { lo: number; hi: number }[]>>();
  #incompatibilities = new Map<number, Incompatibility[]>();
  #solution = new PartialSolution();
  /** Shortest distance from the root at which each package was required (1: by the user). */
  readonly #depth = new Map<number, number>();
  /** Position of the user's requirement on each package they named. */
  readonly #requested = new Map<number, number>();
  /** Packages some requirement pins with `==` or `===`. */
  readonly #pinned = new Set<number>();
  /** Requirements that may opt a project into pre-releases or yanked pins, by project. */
  readonly #pendingSpecs = new Map<string, Requirement[]>();
  readonly stats: SolverStats = { decisions: 0, conflicts: 0, restarts: 0, incompatibilities: 0 };
  /** Pending packages by score; entries go stale when the package's assignments change. */
  #queue = new Heap<QueueEntry>(queueBefore);
  readonly #stamps = new Map<number, number>();

  constructor(input: SolverInput) {
    this.#input = input;
  }

  /** The candidate list of a project, if it was loaded (explain.ts uses it for hints). */
  universe(name: string): ProjectUniverse | undefined {
    return this.#universes.get(name);
  }

  async solve(): Promise<Solution> {
    for (;;) {
      try {
        return await this.#run();
      } catch (err) {
        if (!(err instanceof Restart)) throw err;
        this.stats.restarts++;
        this.#incompatibilities = new Map();
        this.#added.clear();
        this.#solution = new PartialSolution();
        this.#queue = new Heap<QueueEntry>(queueBefore);
        for (const u of this.#universes.values()) u.saidNoVersions = false;
      }
    }
  }

  async #run(): Promise<Solution> {
    const root = this.packages.root;
    this.#add(Incompatibility.of([term(root, VersionRange.FULL, false)], { kind: 'root' })!);
    let next: Package = root;
    for (;;) {
      this.#propagate(next);
      const chosen = await this.#decide();
      if (chosen === null) break;
      next = chosen;
    }
    const chosen = new Map<number, Version>();
    const metadata = new Map<string, CandidateDependencies>();
    for (const [id, version] of this.#solution.decisions) {
      if (version === null) continue;
      chosen.set(id, version);
      const pkg = this.packages.get(id);
      if (pkg.kind === 'project') {
        const deps = await this.#dependenciesOf(pkg.name, version, []);
        if (deps.kind === 'ok') metadata.set(pkg.name, deps.deps);
      }
    }
    return { packages: this.packages, chosen, metadata, stats: this.stats };
  }

  // --- incompatibilities -----------------------------------------------------------------------

  #add(incompatibility: Incompatibility): void {
    this.stats.incompatibilities++;
    for (const t of incompatibility.terms) {
      let list = this.#incompatibilities.get(t.pkg.id);
      if (list === undefined) this.#incompatibilities.set(t.pkg.id, (list = []));
      list.push(incompatibility);
    }
  }

  // --- unit propagation ------------------------------------------------------------------------

  #propagate(start: Package): void {
    const changed = new Set<Package>([start]);
    while (changed.size > 0) {
      const pkg = changed.values().next().value as Package;
      changed.delete(pkg);
      const list = this.#incompatibilities.get(pkg.id);
      if (list === undefined) continue;
      // Newest first: conflict resolution adds the more general facts last.
      for (let i = list.length - 1; i >= 0; i--) {
        const incompatibility = list[i]!;
        const found = this.#relation(incompatibility);
        if (found === 'none') continue;
        if (found === 'satisfied') {
          const rootCause = this.#resolveConflict(incompatibility);
          const unsatisfied = this.#relation(rootCause);
          if (unsatisfied === 'none' || unsatisfied === 'satisfied') {
            throw new Error(`internal: learned ${rootCause.toString()} is not almost satisfied`);
          }
          this.#solution.derive(negate(unsatisfied), rootCause);
          changed.clear();
          changed.add(unsatisfied.pkg);
          break;
        }
        this.#solution.derive(negate(found), incompatibility);
        changed.add(found.pkg);
      }
    }
  }

  /** 'satisfied', the one term left undecided (almost satisfied), or 'none'. */
  #relation(incompatibility: Incompatibility): 'satisfied' | 'none' | Term {
    let unsatisfied: Term | null = null;
    for (const t of incompatibility.terms) {
      const relation = this.#solution.relation(t);
      if (relation === 'contradicted') return 'none';
      if (relation === 'inconclusive') {
        if (unsatisfied !== null) return 'none';
        unsatisfied = t;
      }
    }
    return unsatisfied ?? 'satisfied';
  }

  // --- conflict resolution ---------------------------------------------------------------------

  #resolveConflict(conflict: Incompatibility): Incompatibility {
    this.stats.conflicts++;
    let incompatibility = conflict;
    for (;;) {
      if (incompatibility.isTerminal()) throw new NoSolution(incompatibility, this);
      const solution = this.#solution;
      // The satisfier: the assignment after which the whole incompatibility first held.
      const satisfiers = incompatibility.terms.map((t) => solution.satisfier(t));
      let at = 0;
      for (let i = 1; i < satisfiers.length; i++) if (satisfiers[i]!.index > satisfiers[at]!.index) at = i;
      const found = satisfiers[at]!;
      const foundTerm = incompatibility.terms[at]!;
      // Level 1 at least: the root's decision stays, which keeps the root near the conclusion.
      let previousLevel = 1;
      for (const s of satisfiers) if (s !== found) previousLevel = Math.max(previousLevel, s.level);
      const previous = solution.previousSatisfier(foundTerm, found);
      if (previous !== undefined) previousLevel = Math.max(previousLevel, previous.level);

      if (found.cause === null || previousLevel !== found.level) {
        if (incompatibility !== conflict) this.#add(incompatibility);
        solution.backtrack(previousLevel);
        return incompatibility;
      }

      // Resolution: combine with the cause of the satisfier, dropping the satisfier's package.
      const terms: Term[] = [];
      for (const t of incompatibility.terms) if (t.pkg.id !== found.pkg.id) terms.push(t);
      for (const t of found.cause.terms) if (t.pkg.id !== found.pkg.id) terms.push(t);
      if (!termSatisfies(found.term, foundTerm)) {
        // The satisfier holds the term only together with earlier assignments: what it adds beyond
        // the term must still be ruled out (pub's "not (satisfier \ term)").
        terms.push(negate(intersectTerms(found.term, negate(foundTerm))));
      }
      const derived = Incompatibility.of(terms, { kind: 'derived', left: incompatibility, right: found.cause });
      if (derived === null) throw new Error('internal: conflict resolution derived a vacuous incompatibility');
      incompatibility = derived;
    }
  }

  // --- decisions -------------------------------------------------------------------------------

  /**
   * Decision order, as pip's resolver prefers (so that where several answers exist, both pick the
   * same): a package pinned with `==` (or down to one candidate) first, then the shallowest in the
   * dependency tree, then the user's own requirements in the order given, then those with a
   * version specifier before bare names, then by name.
   */
  #entry(pkg: Package, universe: ProjectUniverse, stamp: number): QueueEntry {
    const range = this.#solution.accumulated(pkg)!.range;
    const pinned = this.#pinned.has(pkg.id) || universe.countIn(range) <= 1 ? 0 : 1;
    const depth = this.#depth.get(pkg.id) ?? Number.MAX_SAFE_INTEGER;
    const requested = this.#requested.get(pkg.id) ?? Number.MAX_SAFE_INTEGER;
    return { pkg, stamp, pinned, depth, requested, free: range.isFull() ? 1 : 0 };
  }

  /** The pending package to decide next, or null when every selected package has a version. */
  async #next(): Promise<Package | null> {
    const solution = this.#solution;
    for (;;) {
      const touched = solution.drainTouched();
      const unloaded: Package[] = [];
      for (const pkg of touched) {
        const stamp = (this.#stamps.get(pkg.id) ?? 0) + 1;
        this.#stamps.set(pkg.id, stamp);
        if (!solution.isPending(pkg) || pkg.kind === 'root') continue;
        const universe = this.#universes.get(pkg.name);
        if (universe === undefined) unloaded.push(pkg);
        else this.#queue.push(this.#entry(pkg, universe, stamp));
      }
      if (unloaded.length > 0) {
        await Promise.all(unloaded.map((pkg) => this.#load(pkg.name)));
        for (const pkg of unloaded) {
          const stamp = this.#stamps.get(pkg.id)!;
          this.#queue.push(this.#entry(pkg, this.#universes.get(pkg.name)!, stamp));
        }
      }
      const entry = this.#queue.pop();
      if (entry === undefined) return null;
      if (entry.stamp === this.#stamps.get(entry.pkg.id) && solution.isPending(entry.pkg)) return entry.pkg;
    }
  }

  async #decide(): Promise<Package | null> {
    const solution = this.#solution;
    const root = this.packages.root;
    if (solution.isPending(root)) {
      solution.decide(root, null, term(root, VersionRange.FULL));
      this.#addRootRequirements();
      return root;
    }
    const pkg = await this.#next();
    if (pkg === null) return null;
    const universe = this.#universes.get(pkg.name)!;
    const range = solution.accumulated(pkg)!.range;

    let index = -1;
    if (pkg.kind === 'extra') {
      // An extra follows its project when that is already chosen.
      const base = this.packages.project(pkg.name);
      const baseVersion = solution.decisions.get(base.id);
      if (baseVersion !== undefined && baseVersion !== null && range.contains(baseVersion)) {
        index = universe.indexOf(baseVersion.sortKey);
      }
    }
    if (index < 0) index = universe.newestIn(range);
    if (index < 0) {
      universe.saidNoVersions = true;
      this.#add(Incompatibility.of([term(pkg, range)], { kind: 'no-versions' })!);
      return pkg;
    }
    const candidate = universe.versions[index]!;
    const version = candidate.version;
    const unusable = universe.unusable[index];
    if (unusable !== null && unusable !== undefined) {
      const cause: Cause =
        candidate.unusable === undefined && candidate.requiresPython !== undefined
          ? { kind: 'requires-python', requiresPython: candidate.requiresPython, python: this.#input.environment.python_full_version }
          : { kind: 'unusable', reason: unusable };
      this.#add(Incompatibility.of([term(pkg, universe.unusableRun(index))], cause)!);
      return pkg;
    }

    const dependencies = await this.#incompatibilitiesOf(pkg, version);
    if (dependencies === null) return pkg;

    // Choosing the version would at once satisfy one of its own dependency facts: do not.
    const conflict = dependencies.some((inc) =>
      inc.terms.every((t) => t.pkg.id === pkg.id || solution.relation(t) === 'satisfied'),
    );
    if (!conflict) {
      solution.decide(pkg, version, term(pkg, VersionRange.exactly(version)));
      this.stats.decisions++;
    }
    return pkg;
  }

  #addRootRequirements(): void {
    const root = this.packages.root;
    const env = this.#input.environment;
    for (const req of this.#input.requirements) {
      if (!markerHolds(req, env, '')) continue;
      if (req.url !== null) {
        throw new PyvouchError('USAGE', `Direct URL requirements are not supported by the resolver: '${req.toString()}'`, {
          help: 'require the project by name and version from an index, or download the file into a --index directory',
        });
      }
      for (const target of this.#targets(req, 1)) {
        if (!this.#requested.has(target.id)) this.#requested.set(target.id, this.#requested.size);
        this.#noteRequirement(target.name, req, true);
        this.#add(
          Incompatibility.of([term(root, VersionRange.FULL), term(target, VersionRange.fromSpecifierSet(req.specifier), false)], {
            kind: 'dependency',
            requirement: req,
          })!,
        );
      }
    }
    for (const req of this.#input.constraints) {
      if (!markerHolds(req, env, '')) continue;
      const pkg = this.packages.project(req.canonicalName);
      this.#noteRequirement(pkg.name, req, true);
      const allowed = VersionRange.fromSpecifierSet(req.specifier);
      const inc = Incompatibility.of([term(pkg, allowed.complement())], { kind: 'constraint', requirement: req });
      if (inc !== null) this.#add(inc);
    }
  }

  /** The packages a requirement points at (its extras, else its project), met at `depth`. */
  #targets(req: Requirement, depth: number): Package[] {
    const name = req.canonicalName;
    const extras = req.canonicalExtras;
    const targets = extras.length === 0 ? [this.packages.project(name)] : extras.map((e) => this.packages.extra(name, e));
    let pinned = false;
    for (const spec of req.specifier) if (spec.operator === '==' || spec.operator === '===') pinned = true;
    for (const t of targets) {
      this.#reached(t, depth);
      if (pinned) this.#pinned.add(t.id);
    }
    return targets;
  }

  #reached(pkg: Package, depth: number): void {
    const known = this.#depth.get(pkg.id);
    if (known === undefined || depth < known) this.#depth.set(pkg.id, depth);
  }

  /**
   * A requirement seen on the way. Under pip's rules any requirement may opt its project into
   * pre-releases or a yanked pin; under uv's only the user's own (`firstParty`) do.
   */
  #noteRequirement(name: string, req: Requirement, firstParty: boolean): void {
    // Fetch the project page early; it is needed as soon as the project is chosen.
    void this.#load(name).catch(() => undefined);
    if (!firstParty && this.#input.rules.rules === 'uv') return;
    let pending = this.#pendingSpecs.get(name);
    if (pending === undefined) this.#pendingSpecs.set(name, (pending = []));
    pending.push(req);
    const universe = this.#universes.get(name);
    if (universe !== undefined && universe.addSpecifier(req.specifier) && universe.saidNoVersions) throw new Restart();
  }

  #load(name: string): Promise<ProjectUniverse> {
    let promise = this.#loading.get(name);
    if (promise === undefined) {
      promise = this.#input.provider.versions(name).then((versions) => {
        const universe = new ProjectUniverse(name, versions, this.#input.rules);
        for (const req of this.#pendingSpecs.get(name) ?? []) universe.addSpecifier(req.specifier);
        this.#universes.set(name, universe);
        this.#warm(universe);
        return universe;
      });
      this.#loading.set(name, promise);
    }
    return promise;
  }

  /**
   * Look ahead while the solver works: ask for the metadata of the release that will most likely
   * be chosen (the newest allowed one) and load the project pages of what it depends on, and so
   * on down the tree, so that the network stays busy. The provider decides what is cheap enough.
   */
  #warm(universe: ProjectUniverse): void {
    const provider = this.#input.provider;
    if (provider.prefetch === undefined) return;
    const index = universe.newestIn(VersionRange.FULL);
    if (index < 0 || universe.unusable[index] !== null) return;
    const env = this.#input.environment;
    void provider.prefetch(universe.name, universe.versions[index]!.version).then((deps) => {
      if (deps === undefined) return;
      for (const req of deps.requires) {
        if (req.url === null && markerHolds(req, env, '')) void this.#load(req.canonicalName).catch(() => undefined);
      }
      // Look-ahead only: a marker that cannot be evaluated is reported when the solver reaches it.
    }).catch(() => undefined);
  }

  #dependenciesOf(name: string, version: Version, extras: readonly string[]): Promise<Dependencies> {
    // Metadata read without needing extras may lack them (an sdist with dynamic extras): keep apart.
    const key = `${name}@${version.sortKey}${extras.length > 0 ? '+extras' : ''}`;
    let promise = this.#dependencies.get(key);
    if (promise === undefined) {
      const provider = this.#input.provider;
      promise = Promise.resolve()
        .then(() => provider.dependencies(name, version, extras))
        .then(
        (deps): Dependencies => {
          if (!pythonAllows(deps.requiresPython, this.#input.rules)) {
            return {
              kind: 'unusable',
              cause: { kind: 'requires-python', requiresPython: deps.requiresPython!, python: this.#input.environment.python_full_version },
            };
          }
          return { kind: 'ok', deps };
        },
        (err: unknown): Dependencies => {
          if (isPyvouchError(err) && UNUSABLE_CANDIDATE_CODES.has(err.code)) {
            return { kind: 'unusable', cause: { kind: 'unusable', reason: `cannot be used: ${err.message}` } };
          }
          throw err;
        },
      );
      this.#dependencies.set(key, promise);
    }
    return promise;
  }

  /**
   * The dependency facts of `pkg` at `version`, added to the solver once per (package, version).
   * Returns null when the release turned out unusable (a fact saying so was added instead).
   *
   * A dependency that the neighbouring releases (already fetched) state identically is written as
   * one fact over the whole run, as pub does: "jinja2>=2.8,<=2.11 depends on markupsafe>=0.23"
   * instead of one fact per release. That shortens proofs and lets one conflict rule out the run.
   */
  async #incompatibilitiesOf(pkg: Package, version: Version): Promise<Incompatibility[] | null> {
    const key = `${pkg.id}@${version.sortKey}`;
    const known = this.#added.get(key);
    if (known !== undefined) return known;
    const result = await this.#dependenciesOf(pkg.name, version, pkg.extra === null ? [] : [pkg.extra]);
    const again = this.#added.get(key);
    if (again !== undefined) return again;
    const universe = this.#universes.get(pkg.name)!;
    const index = universe.indexOf(version.sortKey);
    const exact = universe.releaseRange(index);
    const self = term(pkg, exact);
    const unusable = (cause: Cause): null => {
      this.#add(Incompatibility.of([self], cause)!);
      this.#added.set(key, null);
      return null;
    };
    if (result.kind === 'unusable') return unusable(result.cause);
    const env = this.#input.environment;
    const out: Incompatibility[] = [];
    const depth = (this.#depth.get(pkg.id) ?? 0) + 1;
    if (pkg.kind === 'extra') {
      const base = this.packages.project(pkg.name);
      this.#reached(base, depth - 1);
      out.push(Incompatibility.of([self, term(base, exact, false)], { kind: 'dependency', requirement: null })!);
    }
    for (const req of result.deps.requires) {
      const active = pkg.extra === null ? markerHolds(req, env, '') : markerHolds(req, env, pkg.extra) && !markerHolds(req, env, '');
      if (!active) continue;
      if (req.url !== null) {
        return unusable({ kind: 'unusable', reason: `depends on a direct URL ('${req.toString()}'), which an index release may not` });
      }
      for (const target of this.#targets(req, depth)) {
        this.#noteRequirement(target.name, req, false);
        const range = VersionRange.fromSpecifierSet(req.specifier);
        const depender = term(pkg, this.#dependerRange(pkg, universe, index, `${target.id}|${range.key}`));
        const inc = Incompatibility.of([depender, term(target, range, false)], { kind: 'dependency', requirement: req });
        if (inc !== null) out.push(inc);
      }
    }
    for (const inc of out) this.#add(inc);
    this.#added.set(key, out);
    return out;
  }

  /** Joins release `index` to the runs of neighbours that share the dependency `signature`. */
  #dependerRange(pkg: Package, universe: ProjectUniverse, index: number, signature: string): VersionRange {
    let bySignature = this.#runs.get(pkg.id);
    if (bySignature === undefined) this.#runs.set(pkg.id, (bySignature = new Map<string, { lo: number; hi: number }[]>()));
    const runs = bySignature.get(signature) ?? [];
    let lo = index;
    let hi = index;
    const kept: { lo: number; hi: number }[] = [];
    for (const run of runs) {
      if (run.hi === index - 1) lo = run.lo;
      else if (run.lo === index + 1) hi = run.hi;
      else if (run.lo <= index && index <= run.hi) return universe.spanRange(run.lo, run.hi);
      else kept.push(run);
    }
    kept.push({ lo, hi });
    bySignature.set(signature, kept);
    return universe.spanRange(lo, hi);
  }
}

interface QueueEntry {
  readonly pkg: Package;
  readonly stamp: number;
  readonly pinned: number;
  readonly depth: number;
  readonly requested: number;
  readonly free: number;
}

function queueBefore(a: QueueEntry, b: QueueEntry): boolean {
  if (a.pinned !== b.pinned) return a.pinned < b.pinned;
  if (a.depth !== b.depth) return a.depth < b.depth;
  if (a.requested !== b.requested) return a.requested < b.requested;
  if (a.free !== b.free) return a.free < b.free;
  return a.pkg.display < b.pkg.display;
}
