// Core metadata (METADATA in wheels, PKG-INFO in sdists), Metadata-Version 1.0 to 2.x: the
// RFC 822-style header block of the core metadata specification, with PEP 643 `Dynamic` and
// PEP 685 extra names. Every bad field is reported, not only the first.

import { canonicalizeName, isValidName, normalizeExtra } from './name.js';
import { Requirement } from './requirement.js';
import { SpecifierSet } from './specifier.js';
import { Version } from './version.js';
import { FieldProblems } from '../text/problems.js';

export interface ProjectUrl {
  label: string;
  url: string;
}

export interface CoreMetadata {
  /** As written, e.g. "2.1". */
  metadataVersion: string;
  /** The name as written. */
  name: string;
  /** The name normalised (PEP 503). */
  canonicalName: string;
  /** Normalised (PEP 440). */
  version: string;
  summary?: string;
  /** From the Description field, or else the message body. */
  description?: string;
  descriptionContentType?: string;
  keywords: string[];
  homePage?: string;
  downloadUrl?: string;
  author?: string;
  authorEmail?: string;
  maintainer?: string;
  maintainerEmail?: string;
  license?: string;
  /** SPDX expression (2.4). */
  licenseExpression?: string;
  licenseFiles: string[];
  classifiers: string[];
  platforms: string[];
  supportedPlatforms: string[];
  requiresDist: Requirement[];
  /** Normalised specifier set. */
  requiresPython?: string;
  requiresExternal: string[];
  projectUrls: ProjectUrl[];
  /** Normalised extra names (PEP 685). */
  providesExtra: string[];
  providesDist: string[];
  obsoletesDist: string[];
  /** The 1.1 fields later replaced by Requires-Dist and friends, kept as written. */
  requires: string[];
  provides: string[];
  obsoletes: string[];
  /** Lower-cased field names the build backend may still change (PEP 643). */
  dynamic: string[];
  importNames: string[];
  importNamespaces: string[];
  /** Fields this module does not know, by name as first written, each with all its values. */
  extraFields: Record<string, string[]>;
}

export interface ParseCoreMetadataOptions {
  /** Where the text came from, for error messages (e.g. "foo-1.0.dist-info/METADATA"). */
  file?: string;
}

interface FieldSpec {
  /** Spelling of the specification. */
  name: string;
  multiple: boolean;
  /** Free text where line breaks matter; other fields are unfolded onto one line. */
  multiline?: boolean;
}

const FIELDS: ReadonlyMap<string, FieldSpec> = new Map(
  (
    [
      ['Metadata-Version', false],
      ['Name', false],
      ['Version', false],
      ['Platform', true],
      ['Supported-Platform', true],
      ['Summary', false],
      ['Description', false, true],
      ['Description-Content-Type', false],
      ['Keywords', false],
      ['Home-page', false],
      ['Download-URL', false],
      ['Author', false],
      ['Author-email', false],
      ['Maintainer', false],
      ['Maintainer-email', false],
      ['License', false, true],
      ['License-Expression', false],
      ['License-File', true],
      ['Classifier', true],
      ['Requires-Dist', true],
      ['Requires-Python', false],
      ['Requires-External', true],
      ['Project-URL', true],
      ['Provides-Extra', true],
      ['Provides-Dist', true],
      ['Obsoletes-Dist', true],
      ['Requires', true],
      ['Provides', true],
      ['Obsoletes', true],
      ['Dynamic', true],
      ['Import-Name', true],
      ['Import-Namespace', true],
    ] as Array<[string, boolean, boolean?]>
  ).map(([name, multiple, multiline]) => [
    name.toLowerCase(),
    multiline === true ? { name, multiple, multiline } : { name, multiple },
  ]),
);

// PEP 643: these identify the distribution, so a build backend may never leave them open.
const NEVER_DYNAMIC = new Set(['name', 'version', 'metadata-version']);

// RFC 822 field names: printable ASCII except the colon, as Python's email parser reads them.
const HEADER_LINE = /^([\x21-\x39\x3b-\x7e]+):(.*)$/s;

interface RawField {
  /** As written. */
  name: string;
  /** 1-based line of the field name. */
  line: number;
  first: string;
  continuation: string[];
}

interface Parsed {
  fields: RawField[];
  body: string | undefined;
  /** Line of the first body line, when there is a body. */
  bodyLine: number;
}

const HELP =
  'the distribution carries metadata that breaks the core metadata specification; ask its publisher to rebuild it with a current build backend, or pin another release';

/** The problems of one metadata file (src/text/problems.ts): in file order, missing fields first. */
class Problems {
  readonly collected: FieldProblems;
  constructor(file: string | undefined) {
    this.collected = new FieldProblems('METADATA_PARSE', { ...(file === undefined ? {} : { file }), help: HELP, order: 'file-unlocated-first' });
  }

  add(message: string, path: string | undefined, line: number | undefined, cause?: unknown): void {
    this.collected.add(path, message, { ...(line === undefined ? {} : { line }), ...(cause === undefined ? {} : { cause }) });
  }
}

function splitHeaders(text: string, problems: Problems): Parsed {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const fields: RawField[] = [];
  let current: RawField | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') {
      const rest = lines.slice(i + 1);
      const body = rest.join('\n');
      return { fields, body: body.trim() === '' ? undefined : body, bodyLine: i + 2 };
    }
    if (line[0] === ' ' || line[0] === '\t') {
      if (current === undefined) problems.add(`Line ${i + 1} is indented but no field precedes it: '${line.trim()}'`, undefined, i + 1);
      else current.continuation.push(line);
      continue;
    }
    const m = HEADER_LINE.exec(line);
    if (m === null) {
      problems.add(`Line ${i + 1} is not a 'Field: value' line: '${line}'`, undefined, i + 1);
      current = undefined;
      continue;
    }
    current = { name: m[1]!, line: i + 1, first: m[2]!.replace(/^[ \t]+/, ''), continuation: [] };
    fields.push(current);
  }
  return { fields, body: undefined, bodyLine: lines.length + 1 };
}

/** textwrap.dedent: remove the indentation all non-blank lines share. */
function dedent(lines: readonly string[]): string[] {
  let margin: string | undefined;
  for (const line of lines) {
    if (line.trim() === '') continue;
    const indent = /^[ \t]*/.exec(line)![0];
    if (margin === undefined) {
      margin = indent;
    } else {
      let k = 0;
      while (k < margin.length && k < indent.length && margin[k] === indent[k]) k++;
      margin = margin.slice(0, k);
    }
  }
  const cut = margin?.length ?? 0;
  return lines.map((line) => (line.trim() === '' ? '' : line.slice(cut)));
}

function fieldValue(field: RawField, multiline: boolean): string {
  if (field.continuation.length === 0) return field.first.trim();
  if (!multiline) return [field.first, ...field.continuation].map((s) => s.trim()).join(' ').trim();
  // Since 2.1 writers mark each continued line with 7 spaces and '|' so blank and indented lines
  // survive; older writers (distutils) indented continuation lines by 8 spaces.
  const piped = field.continuation.every((l) => /^[ \t]*\|/.test(l) || l.trim() === '');
  const rest = piped ? field.continuation.map((l) => l.replace(/^[ \t]*\|?/, '')) : dedent(field.continuation);
  return [field.first.trim(), ...rest].join('\n').replace(/^\n+/, '').trimEnd();
}

function quote(value: string): string {
  return `'${value}'`;
}

function parseMetadataVersion(text: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)$/.exec(text);
  return m === null ? null : [Number(m[1]), Number(m[2])];
}

function splitKeywords(text: string): string[] {
  // The specification says comma-separated; 1.x-era files often separated them with spaces.
  const parts = text.includes(',') ? text.split(',') : text.split(/\s+/);
  return parts.map((k) => k.trim()).filter((k) => k !== '');
}

function licenseFileProblem(path: string): string | null {
  if (path.includes('\\')) return "it must use '/' as the separator";
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'it must be relative';
  if (path.split('/').includes('..')) return "it must not contain '..'";
  return null;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Parse core metadata text. Throws PyvouchError('METADATA_PARSE') naming the first bad field, with
 * every bad field in `problems`. Fields this module does not know are kept in `extraFields`.
 */
export function parseCoreMetadata(text: string, opts: ParseCoreMetadataOptions = {}): CoreMetadata {
  const problems = new Problems(opts.file);
  const { fields, body, bodyLine } = splitHeaders(text, problems);

  // Collect the values of each known field, and the unknown ones as written.
  const values = new Map<string, Array<{ value: string; line: number }>>();
  // A Map, turned into an object at the end: a field named `__proto__` must stay a plain field.
  const extras = new Map<string, string[]>();
  const extraNames = new Map<string, string>();
  for (const field of fields) {
    const key = field.name.toLowerCase();
    const spec = FIELDS.get(key);
    if (spec === undefined) {
      const name = extraNames.get(key) ?? field.name;
      extraNames.set(key, name);
      let list = extras.get(name);
      if (list === undefined) extras.set(name, (list = []));
      list.push(fieldValue(field, true));
      continue;
    }
    let list = values.get(key);
    if (list === undefined) values.set(key, (list = []));
    list.push({ value: fieldValue(field, spec.multiline === true), line: field.line });
  }

  const single = (key: string): { value: string; line: number } | undefined => {
    const list = values.get(key);
    const first = list?.[0];
    if (list === undefined || first === undefined) return undefined;
    const distinct = new Set(list.map((v) => v.value));
    if (distinct.size > 1) {
      const name = FIELDS.get(key)!.name;
      const at = list[1]!;
      problems.add(
        `${name} appears ${list.length} times with different values (${[...distinct].map(quote).join(', ')}); it may appear once`,
        name,
        at.line,
      );
    }
    return first;
  };
  const many = (key: string): Array<{ value: string; line: number }> => values.get(key) ?? [];
  const text1 = (key: string): string | undefined => single(key)?.value;
  const texts = (key: string): string[] => many(key).map((v) => v.value);

  const mv = single('metadata-version');
  let metadataVersion = '';
  if (mv === undefined) {
    problems.add('Metadata-Version is missing', 'Metadata-Version', undefined);
  } else {
    metadataVersion = mv.value;
    const parsed = parseMetadataVersion(mv.value);
    if (parsed === null) {
      problems.add(`Invalid Metadata-Version ${quote(mv.value)}: expected "major.minor"`, 'Metadata-Version', mv.line);
    } else if (parsed[0] !== 1 && parsed[0] !== 2) {
      problems.add(
        `Unsupported Metadata-Version ${quote(mv.value)}: only 1.x and 2.x are known, and a new major version is not readable by older tools`,
        'Metadata-Version',
        mv.line,
      );
    }
  }

  const nameField = single('name');
  let name = '';
  let canonicalName = '';
  if (nameField === undefined) {
    problems.add('Name is missing', 'Name', undefined);
  } else if (!isValidName(nameField.value)) {
    problems.add(
      `Invalid Name ${quote(nameField.value)}: a name is ASCII letters, digits, '.', '_' and '-', starting and ending with a letter or digit`,
      'Name',
      nameField.line,
    );
  } else {
    name = nameField.value;
    canonicalName = canonicalizeName(name);
  }

  const versionField = single('version');
  let version = '';
  if (versionField === undefined) {
    problems.add('Version is missing', 'Version', undefined);
  } else {
    try {
      version = new Version(versionField.value).toString();
    } catch (err) {
      problems.add(`Invalid Version ${quote(versionField.value)}: ${errorMessage(err)}`, 'Version', versionField.line, err);
    }
  }

  const requiresDist: Requirement[] = [];
  for (const { value, line } of many('requires-dist')) {
    try {
      requiresDist.push(new Requirement(value));
    } catch (err) {
      problems.add(`Invalid Requires-Dist ${quote(value)}: ${errorMessage(err)}`, 'Requires-Dist', line, err);
    }
  }

  let requiresPython: string | undefined;
  const rp = single('requires-python');
  if (rp !== undefined) {
    try {
      requiresPython = new SpecifierSet(rp.value).toString();
    } catch (err) {
      problems.add(`Invalid Requires-Python ${quote(rp.value)}: ${errorMessage(err)}`, 'Requires-Python', rp.line, err);
    }
  }

  const providesExtra: string[] = [];
  for (const { value, line } of many('provides-extra')) {
    if (!isValidName(value)) {
      problems.add(`Invalid Provides-Extra ${quote(value)}: not a valid extra name`, 'Provides-Extra', line);
      continue;
    }
    const extra = normalizeExtra(value);
    if (!providesExtra.includes(extra)) providesExtra.push(extra);
  }

  const dynamic: string[] = [];
  for (const { value, line } of many('dynamic')) {
    const field = value.trim().toLowerCase();
    if (NEVER_DYNAMIC.has(field)) {
      problems.add(`Invalid Dynamic ${quote(value)}: ${FIELDS.get(field)!.name} may not be dynamic (PEP 643)`, 'Dynamic', line);
    } else if (!FIELDS.has(field)) {
      problems.add(`Invalid Dynamic ${quote(value)}: not a core metadata field`, 'Dynamic', line);
    } else if (!dynamic.includes(field)) {
      dynamic.push(field);
    }
  }

  const licenseFiles: string[] = [];
  for (const { value, line } of many('license-file')) {
    const why = licenseFileProblem(value);
    if (why === null) licenseFiles.push(value);
    else problems.add(`Invalid License-File ${quote(value)}: ${why}`, 'License-File', line);
  }

  let description = text1('description');
  if (body !== undefined) {
    if (description === undefined) description = body;
    else problems.add('Description is given both as a field and as the message body', 'Description', bodyLine);
  }

  const projectUrls = texts('project-url').map((entry): ProjectUrl => {
    const comma = entry.indexOf(',');
    return comma < 0 ? { label: '', url: entry.trim() } : { label: entry.slice(0, comma).trim(), url: entry.slice(comma + 1).trim() };
  });

  const keywordsText = text1('keywords');
  const meta: CoreMetadata = {
    metadataVersion,
    name,
    canonicalName,
    version,
    keywords: keywordsText === undefined ? [] : splitKeywords(keywordsText),
    licenseFiles,
    classifiers: texts('classifier'),
    platforms: texts('platform'),
    supportedPlatforms: texts('supported-platform'),
    requiresDist,
    requiresExternal: texts('requires-external'),
    projectUrls,
    providesExtra,
    providesDist: texts('provides-dist'),
    obsoletesDist: texts('obsoletes-dist'),
    requires: texts('requires'),
    provides: texts('provides'),
    obsoletes: texts('obsoletes'),
    dynamic,
    importNames: texts('import-name'),
    importNamespaces: texts('import-namespace'),
    extraFields: Object.fromEntries(extras),
  };
  if (description !== undefined) meta.description = description;
  if (requiresPython !== undefined) meta.requiresPython = requiresPython;
  // Reading each single-use field also reports it when it is repeated with different values.
  const optional = {
    summary: 'summary',
    descriptionContentType: 'description-content-type',
    homePage: 'home-page',
    downloadUrl: 'download-url',
    author: 'author',
    authorEmail: 'author-email',
    maintainer: 'maintainer',
    maintainerEmail: 'maintainer-email',
    license: 'license',
    licenseExpression: 'license-expression',
  } as const;
  for (const [prop, key] of Object.entries(optional) as Array<[keyof typeof optional, string]>) {
    const v = text1(key);
    if (v !== undefined) meta[prop] = v;
  }

  problems.collected.throwIfAny();
  return meta;
}

/**
 * True when the dependencies in this metadata are final: Metadata-Version 2.2 or later and
 * Requires-Dist not marked Dynamic (PEP 643). Only then may an sdist's PKG-INFO stand in for the
 * metadata of the wheel it builds.
 */
export function isStaticRequiresDist(meta: Pick<CoreMetadata, 'metadataVersion' | 'dynamic'>): boolean {
  const v = parseMetadataVersion(meta.metadataVersion);
  if (v === null) return false;
  const atLeast22 = v[0] > 2 || (v[0] === 2 && v[1] >= 2);
  return atLeast22 && !meta.dynamic.includes('requires-dist');
}
