// Wheel compatibility for a target environment that is not necessarily this machine: the ordered
// list of tags the target's interpreter accepts (PEP 425, PEP 600 manylinux, PEP 656 musllinux,
// macOS and Windows platform tags), ranked as pypa/packaging's `sys_tags()` ranks them, and the
// choice of files a release offers for that target.

import { PyvouchError } from '../errors.js';
import type { TargetDescription } from '../graph/graph.js';
import { Tag, TagSet, parseSdistFilename, parseWheelFilename, type BuildTag, type WheelFilename } from './filename.js';

export interface TagOptions {
  /**
   * glibc of the Linux target as "major.minor" (default "2.39", a current distribution), or false
   * for a system without glibc. When `musl` is set and this is not, the target has no glibc.
   */
  manylinuxGlibc?: string | false;
  /** musl version of a musllinux target as "major.minor" (e.g. "1.2"); off by default. */
  musl?: string | false;
  /** macOS version of the target as "major.minor" (default "14.0"). */
  macosVersion?: string;
}

/** Tag string -> priority (0 is the most preferred), as built by `indexSupportedTags`. */
export type SupportedTagIndex = ReadonlyMap<string, number>;

const DEFAULT_GLIBC = '2.39';
const DEFAULT_MACOS = '14.0';

const INTERPRETER_SHORT_NAMES: Readonly<Record<string, string>> = {
  python: 'py',
  cpython: 'cp',
  cp: 'cp',
  pypy: 'pp',
  pp: 'pp',
  ironpython: 'ip',
  jython: 'jy',
};

// Architectures manylinux wheels are built for (PEP 600 and the manylinux images); i686 and armv7l
// need a 32-bit userland, which a target that names them has.
const MANYLINUX_ARCHS = new Set(['x86_64', 'i686', 'aarch64', 'armv7l', 'ppc64', 'ppc64le', 's390x', 'loongarch64', 'riscv64']);

// PEP 600 keeps the PEP 513/571/599 names as aliases of the glibc they were defined for.
const LEGACY_MANYLINUX = new Map<string, string>([
  ['2.17', 'manylinux2014'],
  ['2.12', 'manylinux2010'],
  ['2.5', 'manylinux1'],
]);

// packaging assumes no glibc 2.x release ever goes past this minor when enumerating an older major.
const LAST_GLIBC_MINOR = 50;

function invalidTarget(message: string, path: string): PyvouchError {
  return new PyvouchError('INVALID_TARGET', message, {
    path,
    help: 'describe the target as python "3.12", platform linux|macos|windows and a machine such as x86_64 or arm64',
  });
}

function parseMajorMinor(text: string, what: string, path: string): [number, number] {
  const m = /^\s*(\d+)(?:\.(\d+))?(?:\.\d+)*\s*$/.exec(text);
  if (m === null) throw invalidTarget(`Invalid ${what} '${text}': expected "major.minor"`, path);
  return [Number(m[1]), Number(m[2] ?? '0')];
}

function pythonVersion(target: TargetDescription): [number, number] {
  const m = /^\s*(\d+)\.(\d+)(?:\.\d+)?\s*$/.exec(target.python);
  if (m === null) throw invalidTarget(`Invalid target Python version '${target.python}': expected e.g. "3.12"`, 'python');
  return [Number(m[1]), Number(m[2])];
}

type Os = 'linux' | 'macos' | 'windows';

function targetOs(target: TargetDescription): Os {
  const p = target.platform.toLowerCase();
  if (p === 'linux') return 'linux';
  if (p === 'macos' || p === 'darwin' || p === 'macosx' || p === 'osx') return 'macos';
  if (p === 'windows' || p === 'win32' || p === 'win') return 'windows';
  throw invalidTarget(`Unknown target platform '${target.platform}': expected linux, macos or windows`, 'platform');
}

/** The machine name in the spelling the target OS uses in its platform tags. */
function targetArch(os: Os, machine: string): string {
  const m = machine.toLowerCase();
  const x86_64 = m === 'x86_64' || m === 'amd64' || m === 'x64';
  const x86 = m === 'i386' || m === 'i486' || m === 'i586' || m === 'i686' || m === 'x86' || m === 'win32';
  const arm64 = m === 'arm64' || m === 'aarch64';
  switch (os) {
    case 'linux':
      if (x86_64) return 'x86_64';
      if (x86) return 'i686';
      if (arm64) return 'aarch64';
      return m.replace(/[.\- ]/g, '_');
    case 'macos':
      if (x86_64) return 'x86_64';
      if (x86) return 'i386';
      if (arm64) return 'arm64';
      return m;
    case 'windows':
      if (x86_64) return 'amd64';
      if (x86) return 'win32';
      if (arm64) return 'arm64';
      throw invalidTarget(`Unsupported Windows machine '${machine}': expected AMD64, x86 or ARM64`, 'machine');
  }
}

function manylinuxPlatforms(archs: readonly string[], glibc: [number, number]): string[] {
  const out: string[] = [];
  if (!archs.some((a) => MANYLINUX_ARCHS.has(a))) return out;
  // manylinux1 (glibc 2.5) only ever existed for x86; every other architecture starts at 2.17.
  const oldestTooOld: [number, number] = archs.some((a) => a === 'x86_64' || a === 'i686') ? [2, 4] : [2, 16];
  const maxima: Array<[number, number]> = [glibc];
  for (let major = glibc[0] - 1; major > 1; major--) maxima.push([major, LAST_GLIBC_MINOR]);
  for (const arch of archs) {
    for (const [major, maxMinor] of maxima) {
      const floor = major === oldestTooOld[0] ? oldestTooOld[1] : -1;
      for (let minor = maxMinor; minor > floor; minor--) {
        out.push(`manylinux_${major}_${minor}_${arch}`);
        const legacy = LEGACY_MANYLINUX.get(`${major}.${minor}`);
        if (legacy !== undefined) out.push(`${legacy}_${arch}`);
      }
    }
  }
  return out;
}

function musllinuxPlatforms(archs: readonly string[], musl: [number, number]): string[] {
  const out: string[] = [];
  for (const arch of archs) {
    for (let minor = musl[1]; minor >= 0; minor--) out.push(`musllinux_${musl[0]}_${minor}_${arch}`);
  }
  return out;
}

function linuxPlatforms(arch: string, opts: TagOptions): string[] {
  // A 32-bit ARM userland on a 64-bit kernel runs armv7l code too.
  const archs = arch === 'armv8l' ? ['armv8l', 'armv7l'] : [arch];
  const musl = opts.musl === undefined || opts.musl === false ? null : parseMajorMinor(opts.musl, 'musl version', 'musl');
  // A musl system has no glibc unless the caller says otherwise.
  const glibcText = opts.manylinuxGlibc ?? (musl === null ? DEFAULT_GLIBC : false);
  const glibc = glibcText === false ? null : parseMajorMinor(glibcText, 'glibc version', 'manylinuxGlibc');
  // packaging >= 26.3 ranks the native linux_* tag (a wheel built on the machine itself) first.
  const out = archs.map((a) => `linux_${a}`);
  if (glibc !== null) out.push(...manylinuxPlatforms(archs, glibc));
  if (musl !== null) out.push(...musllinuxPlatforms(archs, musl));
  return out;
}

function macBinaryFormats(version: [number, number], arch: string): string[] {
  const before = (major: number, minor: number): boolean =>
    version[0] < major || (version[0] === major && version[1] < minor);
  const after = (major: number, minor: number): boolean =>
    version[0] > major || (version[0] === major && version[1] > minor);
  const formats = [arch];
  if (arch === 'x86_64') {
    if (before(10, 4)) return [];
    formats.push('intel', 'fat64', 'fat3');
  } else if (arch === 'i386') {
    if (before(10, 4)) return [];
    formats.push('intel', 'fat3', 'fat');
  } else if (arch === 'ppc64') {
    if (after(10, 5) || before(10, 4)) return [];
    formats.push('fat64');
  } else if (arch === 'ppc') {
    if (after(10, 6)) return [];
    formats.push('fat3', 'fat');
  }
  if (arch === 'arm64' || arch === 'x86_64') formats.push('universal2');
  if (arch === 'x86_64' || arch === 'i386' || arch === 'ppc64' || arch === 'ppc' || arch === 'intel') formats.push('universal');
  return formats;
}

function macPlatforms(arch: string, version: [number, number]): string[] {
  const out: string[] = [];
  const emit = (major: number, minor: number): void => {
    for (const format of macBinaryFormats([major, minor], arch)) out.push(`macosx_${major}_${minor}_${format}`);
  };
  if (version[0] === 10) {
    // Up to 10.15 every yearly release bumped the minor number.
    for (let minor = version[1]; minor >= 0; minor--) emit(10, minor);
  } else if (version[0] >= 11) {
    // From 11 on the major number is the yearly release, so only X.0 tags are produced.
    for (let major = version[0]; major > 10; major--) emit(major, 0);
    // Intel Macs on 11+ run binaries built for 10.x; Apple silicon only the universal2 ones of them.
    for (let minor = 16; minor > 3; minor--) {
      if (arch === 'x86_64') emit(10, minor);
      else out.push(`macosx_10_${minor}_universal2`);
    }
  }
  return out;
}

/** The platform tags of the target, most specific first. */
export function platformTags(target: TargetDescription, opts: TagOptions = {}): string[] {
  const os = targetOs(target);
  const arch = targetArch(os, target.machine);
  switch (os) {
    case 'linux':
      return linuxPlatforms(arch, opts);
    case 'macos':
      return macPlatforms(arch, parseMajorMinor(opts.macosVersion ?? DEFAULT_MACOS, 'macOS version', 'macosVersion'));
    case 'windows':
      return [arch === 'win32' ? 'win32' : `win_${arch}`];
  }
}

function cpythonAbis(py: [number, number]): string[] {
  const nodot = `${py[0]}${py[1]}`;
  // Before 3.8 a default (pymalloc) build carried the `m` ABI flag.
  if (py[0] === 3 && py[1] < 8) return [`cp${nodot}m`];
  return [`cp${nodot}`];
}

/** Python versions in the order pure-Python tags prefer them: py3X, py3, py3(X-1) … py30. */
function pyInterpreterRange(py: [number, number]): string[] {
  const out = [`py${py[0]}${py[1]}`, `py${py[0]}`];
  for (let minor = py[1] - 1; minor >= 0; minor--) out.push(`py${py[0]}${minor}`);
  return out;
}

/**
 * Every tag a wheel may carry to install on the target, most preferred first, as pypa/packaging's
 * `sys_tags()` would list them on that interpreter and machine.
 */
export function supportedTags(target: TargetDescription, opts: TagOptions = {}): Tag[] {
  const py = pythonVersion(target);
  const platforms = platformTags(target, opts);
  const implementation = target.implementation.toLowerCase();
  const short = INTERPRETER_SHORT_NAMES[implementation] ?? implementation;
  const nodot = `${py[0]}${py[1]}`;
  const tags: Tag[] = [];
  const each = (interpreter: string, abi: string): void => {
    for (const p of platforms) tags.push(new Tag(interpreter, abi, p));
  };

  let compatInterpreter: string | null;
  if (short === 'cp') {
    const interpreter = `cp${nodot}`;
    for (const abi of cpythonAbis(py)) each(interpreter, abi);
    // The stable ABI (PEP 384) appeared in 3.2; an abi3 wheel built for any 3.2+ loads on later 3.x.
    const abi3 = py[0] === 3 && py[1] >= 2;
    if (abi3) each(interpreter, 'abi3');
    each(interpreter, 'none');
    if (abi3) {
      for (let minor = py[1] - 1; minor > 1; minor--) each(`cp${py[0]}${minor}`, 'abi3');
    }
    compatInterpreter = interpreter;
  } else {
    const interpreter = `${short}${nodot}`;
    // PyPy's ABI tag names its language version and the PyPy 7.3 series every current release is in.
    const abis = short === 'pp' ? [`pypy${nodot}_pp73`, 'none'] : ['none'];
    for (const abi of abis) each(interpreter, abi);
    compatInterpreter = short === 'pp' ? `pp${py[0]}` : null;
  }

  const range = pyInterpreterRange(py);
  for (const version of range) each(version, 'none');
  if (compatInterpreter !== null) tags.push(new Tag(compatInterpreter, 'none', 'any'));
  for (const version of range) tags.push(new Tag(version, 'none', 'any'));
  return tags;
}

/** Map each tag to its rank; a tag listed twice keeps its better (first) rank. */
export function indexSupportedTags(tags: readonly Tag[]): SupportedTagIndex {
  const index = new Map<string, number>();
  tags.forEach((tag, rank) => {
    const key = tag.toString();
    if (!index.has(key)) index.set(key, rank);
  });
  return index;
}

const indexCache = new Map<string, SupportedTagIndex>();

/** The supported-tag index of a target, built once per target and options. */
export function supportedTagIndex(target: TargetDescription, opts: TagOptions = {}): SupportedTagIndex {
  const key = JSON.stringify([target.python, target.platform, target.machine, target.implementation, opts.manylinuxGlibc, opts.musl, opts.macosVersion]);
  let index = indexCache.get(key);
  if (index === undefined) {
    index = indexSupportedTags(supportedTags(target, opts));
    if (indexCache.size > 64) indexCache.clear();
    indexCache.set(key, index);
  }
  return index;
}

/** The best (lowest) rank any of `tags` has among the supported tags, or null when none is supported. */
export function tagPriority(tags: Iterable<Tag>, supported: SupportedTagIndex | readonly Tag[]): number | null {
  const index = isIndex(supported) ? supported : indexSupportedTags(supported);
  if (!(tags instanceof TagSet)) return rankOf(tags, index);
  // Tag sets are shared per tag string (filename.ts), so a page's thousand `py3-none-any` wheels
  // are ranked once per target.
  let ranks = rankMemo.get(index);
  if (ranks === undefined) rankMemo.set(index, (ranks = new WeakMap()));
  let rank = ranks.get(tags);
  if (rank === undefined) ranks.set(tags, (rank = rankOf(tags, index)));
  return rank;
}

const rankMemo = new WeakMap<SupportedTagIndex, WeakMap<TagSet, number | null>>();

function rankOf(tags: Iterable<Tag>, index: SupportedTagIndex): number | null {
  // A compressed tag set larger than the index is matched the other way round, so the cost is
  // bounded by the smaller of the two and a hostile name never expands into its product.
  if (tags instanceof TagSet && tags.size > index.size) {
    for (const [key, rank] of index) {
      const [interpreter = '', abi = '', platform = ''] = key.split('-');
      // The index is in rank order (indexSupportedTags inserts ascending ranks), so the first hit is the best.
      if (tags.has(new Tag(interpreter, abi, platform))) return rank;
    }
    return null;
  }
  let best: number | null = null;
  for (const tag of tags) {
    const rank = index.get(tag.toString());
    if (rank !== undefined && (best === null || rank < best)) best = rank;
  }
  return best;
}

function isIndex(value: SupportedTagIndex | readonly Tag[]): value is SupportedTagIndex {
  return value instanceof Map;
}

/**
 * How well a wheel fits: its best tag's rank (lower is better), or null when it cannot be installed.
 * Throws INVALID_WHEEL_FILENAME for a malformed file name.
 */
export function wheelCompatibility(wheel: string | WheelFilename, supported: SupportedTagIndex | readonly Tag[]): number | null {
  const parsed = typeof wheel === 'string' ? parseWheelFilename(wheel) : wheel;
  return tagPriority(parsed.tags, supported);
}

/** Higher build numbers win, as pip prefers them among otherwise equal wheels; no build tag is lowest. */
function compareBuildDescending(a: BuildTag, b: BuildTag): number {
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  if (a[0] !== b[0]) return b[0] - a[0];
  return a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0;
}

/**
 * The files of a release that would be installed on the target: the compatible wheels, best first
 * (the first is what pip picks), or, when no wheel fits, the sdists in the order given. File names
 * that are neither a valid wheel nor a valid sdist are ignored.
 */
export function selectArtifacts(filenames: readonly string[], target: TargetDescription, opts: TagOptions = {}): string[] {
  const index = supportedTagIndex(target, opts);
  const wheels: Array<{ filename: string; rank: number; build: BuildTag; order: number }> = [];
  const sdists: string[] = [];
  filenames.forEach((filename, order) => {
    const base = basename(filename);
    if (base.endsWith('.whl')) {
      let parsed: WheelFilename;
      try {
        parsed = parseWheelFilename(base);
      } catch {
        return;
      }
      const rank = tagPriority(parsed.tags, index);
      if (rank !== null) wheels.push({ filename, rank, build: parsed.build, order });
      return;
    }
    if (isSdist(base)) sdists.push(filename);
  });
  if (wheels.length === 0) return sdists;
  wheels.sort((a, b) => a.rank - b.rank || compareBuildDescending(a.build, b.build) || a.order - b.order);
  return wheels.map((w) => w.filename);
}

// PEP 625 sdists are .tar.gz; pip also installs releases that only ship these older archive forms.
const LEGACY_SDIST_EXTENSIONS = ['.tar.bz2', '.tbz', '.tar.xz', '.txz', '.tlz', '.tar.lz', '.tar.lzma', '.tgz', '.tar'];

function isSdist(base: string): boolean {
  const legacy = LEGACY_SDIST_EXTENSIONS.find((ext) => base.endsWith(ext));
  try {
    parseSdistFilename(legacy === undefined ? base : base.slice(0, -legacy.length) + '.tar.gz');
    return true;
  } catch {
    // not a distribution file (e.g. .egg, .exe, a signature) or not named {name}-{version}
    return false;
  }
}

function basename(path: string): string {
  // A URL's query or fragment (often `#sha256=…`) is not part of the file name.
  if (path.includes('://')) path = path.replace(/[?#].*$/s, '');
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? path : path.slice(cut + 1);
}
