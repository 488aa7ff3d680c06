// Parses a PEP 691 project page (JSON, api-version 1.x) into a ProjectPage, with PEP 592 yanked,
// PEP 658/714 core-metadata, PEP 700 versions/size/upload-time and PEP 740 provenance. Every bad
// field is reported by its path (`files[3].hashes.sha256`); unknown keys are ignored as PEP 691 says.

import { canonicalizeName } from '../pep/name.js';
import { jsonTextDepth, MAX_JSON_DEPTH } from '../text/json-depth.js';
import type { IndexFile, ProjectPage } from './types.js';
import { apiVersionProblem, describe, normaliseHashes, PageProblems, provenanceUrl, resolveLink } from './simple-common.js';

type Json = Record<string, unknown>;

// PEP 700: yyyy-mm-ddThh:mm:ss, up to six fraction digits, always UTC.
const UPLOAD_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** The files of a PEP 691 page. `pageUrl` (after redirects) is the base of relative URLs. */
export function parseSimpleJson(text: string, pageUrl: string, name: string): ProjectPage {
  const problems = new PageProblems(pageUrl);
  let doc: unknown;
  if (jsonTextDepth(text) > MAX_JSON_DEPTH) {
    problems.add(`nests JSON more than ${MAX_JSON_DEPTH} deep`);
    problems.throwIfAny();
  }
  try {
    doc = JSON.parse(text);
  } catch (err) {
    problems.add(`not valid JSON: ${(err as Error).message}`);
    problems.throwIfAny();
  }
  if (!isObject(doc)) {
    problems.add(`expected a JSON object, found ${describe(doc)}`);
    problems.throwIfAny();
    throw new Error('unreachable');
  }

  const meta = doc.meta;
  if (!isObject(meta)) problems.add(`expected an object, found ${describe(meta)}`, { path: 'meta' });
  else if (typeof meta['api-version'] !== 'string') {
    problems.add(`expected a string, found ${describe(meta['api-version'])}`, { path: 'meta.api-version' });
  } else {
    const problem = apiVersionProblem(meta['api-version']);
    if (problem !== undefined) {
      // A page of another major version cannot be read field by field: stop here.
      problems.add(problem, { path: 'meta.api-version' });
      problems.throwIfAny();
    }
  }

  if (typeof doc.name !== 'string') problems.add(`expected a string, found ${describe(doc.name)}`, { path: 'name' });
  else if (canonicalizeName(doc.name) !== name) {
    // A page for another project (a misconfigured mirror, a redirect gone wrong) must not be read as this one.
    problems.add(`the page is for project '${doc.name}', not '${name}'`, { path: 'name' });
  }

  const files: IndexFile[] = [];
  if (!Array.isArray(doc.files)) problems.add(`expected an array, found ${describe(doc.files)}`, { path: 'files' });
  else {
    doc.files.forEach((entry: unknown, i: number) => {
      const file = fileOf(entry, `files[${i}]`, pageUrl, problems);
      if (file !== undefined) files.push(file);
    });
  }

  let versions: string[] | undefined;
  if (doc.versions !== undefined) {
    if (!Array.isArray(doc.versions)) problems.add(`expected an array, found ${describe(doc.versions)}`, { path: 'versions' });
    else {
      versions = [];
      doc.versions.forEach((v: unknown, i: number) => {
        if (typeof v === 'string') versions!.push(v);
        else problems.add(`expected a version string, found ${describe(v)}`, { path: `versions[${i}]` });
      });
    }
  }

  problems.throwIfAny();
  return { name, files, ...(versions === undefined ? {} : { versions }), url: pageUrl };
}

function fileOf(entry: unknown, path: string, pageUrl: string, problems: PageProblems): IndexFile | undefined {
  if (!isObject(entry)) {
    problems.add(`expected an object, found ${describe(entry)}`, { path });
    return undefined;
  }
  const before = problems.count;
  const filename = entry.filename;
  if (typeof filename !== 'string' || filename === '' || /[/\\]/.test(filename)) {
    problems.add(`expected a file name, found ${describe(filename)}`, { path: `${path}.filename` });
  }
  let url: string | undefined;
  let hashes: Record<string, string> = {};
  if (typeof entry.url !== 'string' || entry.url === '') {
    problems.add(`expected a URL string, found ${describe(entry.url)}`, { path: `${path}.url` });
  } else {
    const link = resolveLink(entry.url, pageUrl, problems, { path: `${path}.url` });
    if (link !== undefined) {
      const protocol = new URL(link.url).protocol;
      if (protocol !== 'http:' && protocol !== 'https:') {
        problems.add(`'${entry.url}' is not an http(s) URL`, { path: `${path}.url` });
      }
      url = link.url;
      hashes = link.hashes;
    }
  }
  // PEP 691: `hashes` is required, even when empty.
  if (!isObject(entry.hashes)) problems.add(`expected an object, found ${describe(entry.hashes)}`, { path: `${path}.hashes` });
  else {
    const stated = normaliseHashes(entry.hashes, problems, `${path}.hashes`);
    for (const [algorithm, value] of Object.entries(hashes)) {
      // A URL fragment and the hashes object disagreeing means one of them is wrong: trust neither.
      if (stated[algorithm] !== undefined && stated[algorithm] !== value) {
        problems.add(`the URL fragment says ${algorithm}=${value}, the hashes say ${stated[algorithm]}`, { path: `${path}.hashes.${algorithm}` });
      }
    }
    hashes = { ...hashes, ...stated };
  }

  const file: IndexFile = { filename: filename as string, url: url ?? '', hashes, yanked: false, coreMetadata: false };

  const requiresPython = entry['requires-python'];
  if (typeof requiresPython === 'string') {
    if (requiresPython.trim() !== '') file.requiresPython = requiresPython.trim();
  } else if (requiresPython !== undefined && requiresPython !== null) {
    problems.add(`expected a string, found ${describe(requiresPython)}`, { path: `${path}.requires-python` });
  }

  const yanked = entry.yanked;
  if (typeof yanked === 'string') file.yanked = yanked === '' ? true : yanked;
  else if (typeof yanked === 'boolean') file.yanked = yanked;
  else if (yanked !== undefined && yanked !== null) {
    problems.add(`expected a boolean or a reason, found ${describe(yanked)}`, { path: `${path}.yanked` });
  }

  // PEP 714: `core-metadata` wins; the PEP 658 key is read only when the new one is absent.
  const metadataKey = entry['core-metadata'] !== undefined ? 'core-metadata' : 'dist-info-metadata';
  const metadata = entry[metadataKey];
  if (typeof metadata === 'boolean') file.coreMetadata = metadata ? { hashes: {} } : false;
  else if (isObject(metadata)) file.coreMetadata = { hashes: normaliseHashes(metadata, problems, `${path}.${metadataKey}`) };
  else if (metadata !== undefined && metadata !== null) {
    problems.add(`expected a boolean or an object of hashes, found ${describe(metadata)}`, { path: `${path}.${metadataKey}` });
  }

  const size = entry.size;
  if (typeof size === 'number' && Number.isSafeInteger(size) && size >= 0) file.size = size;
  else if (size !== undefined && size !== null) {
    problems.add(`expected a size in bytes, found ${describe(size)}`, { path: `${path}.size` });
  }

  const uploadTime = entry['upload-time'];
  if (typeof uploadTime === 'string' && UPLOAD_TIME.test(uploadTime)) file.uploadTime = uploadTime;
  else if (uploadTime !== undefined && uploadTime !== null) {
    problems.add(`expected a time as yyyy-mm-ddThh:mm:ss.ffffffZ, found ${describe(uploadTime)}`, { path: `${path}.upload-time` });
  }

  const provenance = entry.provenance;
  if (typeof provenance === 'string' && url !== undefined) {
    const provenanceLink = provenanceUrl(provenance, url, pageUrl);
    if (provenanceLink !== undefined) file.provenance = provenanceLink;
  } else if (provenance !== undefined && provenance !== null && typeof provenance !== 'string') {
    problems.add(`expected a URL string, found ${describe(provenance)}`, { path: `${path}.provenance` });
  }

  return problems.count === before ? file : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
