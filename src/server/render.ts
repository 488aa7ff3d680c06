// Renders the gated index's simple API pages: PEP 503 HTML and PEP 691 JSON of a project page (with
// PEP 592 yanked, PEP 658/714 metadata, PEP 700 versions/size/upload-time and PEP 740 provenance)
// and of the project list. Pure: the caller decides which files appear and where they are served.

import { Version } from '../pep/version.js';

/** A file as this server lists it. */
export interface ServedFile {
  filename: string;
  /** Where this server serves it, relative to the project page (no hash fragment). */
  url: string;
  hashes: Readonly<Record<string, string>>;
  requiresPython?: string;
  yanked: false | true | string;
  /** Whether `<url>.metadata` is served, with its hashes when known. */
  coreMetadata: false | { hashes: Readonly<Record<string, string>> };
  size?: number;
  uploadTime?: string;
  /** Where this server serves the PEP 740 provenance, relative to the project page. */
  provenance?: string;
}

export interface ServedPage {
  /** Canonical project name. */
  name: string;
  files: readonly ServedFile[];
}

/** The `versions` of PEP 700: the distinct versions of the listed files, oldest first. */
export function pageVersions(files: readonly ServedFile[], versionOf: (filename: string) => string | undefined): string[] {
  const versions = new Set<string>();
  for (const f of files) {
    const v = versionOf(f.filename);
    if (v !== undefined) versions.add(v);
  }
  return [...versions].sort((a, b) => {
    const va = Version.tryParse(a);
    const vb = Version.tryParse(b);
    if (va !== null && vb !== null) return va.compare(vb);
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** PEP 691 JSON (api-version 1.1 with PEP 700's fields when every file's size is known, else 1.0). */
export function renderProjectJson(page: ServedPage, versions: readonly string[]): string {
  const sized = page.files.every((f) => f.size !== undefined);
  const files = page.files.map((f) => {
    const metadata = f.coreMetadata === false ? false : Object.keys(f.coreMetadata.hashes).length > 0 ? f.coreMetadata.hashes : true;
    return {
      filename: f.filename,
      url: f.url,
      hashes: f.hashes,
      ...(f.requiresPython === undefined ? {} : { 'requires-python': f.requiresPython }),
      // PEP 714's key only. pip 22.3-23.1 (Debian 12's pip 23.0.1, pipenv's vendored pip) read the
      // old `dist-info-metadata` JSON key as a string and crash on any other value (false, true or
      // a hash table: "expected string or bytes-like object"), so it is not written at all; they
      // then download the file itself. The HTML page keeps both attributes: there they are strings.
      'core-metadata': metadata,
      yanked: f.yanked,
      ...(sized ? { size: f.size } : {}),
      ...(f.uploadTime === undefined ? {} : { 'upload-time': f.uploadTime }),
      ...(f.provenance === undefined ? {} : { provenance: f.provenance }),
    };
  });
  const body = sized
    ? { meta: { 'api-version': '1.1' }, name: page.name, files, versions }
    : { meta: { 'api-version': '1.0' }, name: page.name, files };
  return JSON.stringify(body);
}

/** PEP 503 HTML, with the PEP 691 data attributes. */
export function renderProjectHtml(page: ServedPage): string {
  const links = page.files.map((f) => {
    const hash = preferredHash(f.hashes);
    const href = hash === undefined ? f.url : `${f.url}#${hash[0]}=${hash[1]}`;
    const attrs = [`href="${escapeHtml(href)}"`];
    if (f.requiresPython !== undefined) attrs.push(`data-requires-python="${escapeHtml(f.requiresPython)}"`);
    if (f.yanked !== false) attrs.push(`data-yanked="${f.yanked === true ? '' : escapeHtml(f.yanked)}"`);
    if (f.coreMetadata !== false) {
      const m = preferredHash(f.coreMetadata.hashes);
      const value = m === undefined ? 'true' : `${m[0]}=${m[1]}`;
      attrs.push(`data-core-metadata="${escapeHtml(value)}"`, `data-dist-info-metadata="${escapeHtml(value)}"`);
    }
    if (f.provenance !== undefined) attrs.push(`data-provenance="${escapeHtml(f.provenance)}"`);
    return `    <a ${attrs.join(' ')}>${escapeHtml(f.filename)}</a><br />`;
  });
  return [
    '<!DOCTYPE html>',
    '<html>',
    '  <head>',
    '    <meta name="pypi:repository-version" content="1.1">',
    `    <title>Links for ${escapeHtml(page.name)}</title>`,
    '  </head>',
    '  <body>',
    `    <h1>Links for ${escapeHtml(page.name)}</h1>`,
    ...links,
    '  </body>',
    '</html>',
    '',
  ].join('\n');
}

/** The project list (PEP 503 root / PEP 691 `projects`), linking to normalized names. */
export function renderProjectListJson(names: readonly { name: string; canonical: string }[]): string {
  return JSON.stringify({ meta: { 'api-version': '1.0' }, projects: names.map((n) => ({ name: n.name })) });
}

export function renderProjectListHtml(names: readonly { name: string; canonical: string }[]): string {
  return [
    '<!DOCTYPE html>',
    '<html>',
    '  <head>',
    '    <meta name="pypi:repository-version" content="1.0">',
    '    <title>Simple index</title>',
    '  </head>',
    '  <body>',
    ...names.map((n) => `    <a href="${escapeHtml(encodeURIComponent(n.canonical))}/">${escapeHtml(n.name)}</a><br />`),
    '  </body>',
    '</html>',
    '',
  ].join('\n');
}

/** sha256 when present (what pip and uv check), else the first hash the index gave. */
function preferredHash(hashes: Readonly<Record<string, string>>): [string, string] | undefined {
  const sha256 = hashes['sha256'];
  if (sha256 !== undefined) return ['sha256', sha256];
  const first = Object.entries(hashes)[0];
  return first === undefined ? undefined : [first[0], first[1]];
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
