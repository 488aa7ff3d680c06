// Parses a PEP 503 project page (HTML) into a ProjectPage: file anchors with hash fragments,
// PEP 592 data-yanked, data-requires-python, PEP 658/714 metadata and PEP 740 provenance attributes.
//
// No HTML library: a simple API page is a list of `<a href data-*>` tags, so a small tokenizer of
// tags, attributes, comments and character references reads it fully, without a dependency whose
// error recovery would silently accept what we would rather refuse (an unterminated attribute).

import { PyvouchError } from '../errors.js';
import { LineIndex } from '../text/line-index.js';
import type { IndexFile, ProjectPage } from './types.js';
import {
  apiVersionProblem,
  filenameOfPath,
  PageProblems,
  parseHtmlMetadataAttribute,
  provenanceUrl,
  resolveLink,
} from './simple-common.js';

interface Tag {
  name: string;
  attributes: Map<string, string>;
  /** The offset of its '<': its line is only worked out for a problem to report. */
  start: number;
}

/** Line numbers of a page, indexed on the first problem (a good page reports none). */
function lineFinder(html: string): (offset: number) => number {
  let lines: LineIndex | undefined;
  return (offset) => (lines ??= new LineIndex(html)).lineOf(offset);
}

// Elements whose content is text up to their end tag: an `<a>` in a script is not a link.
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title']);
// The tags the page is read for; others are scanned past (their attributes are not kept).
const KEPT = new Set(['a', 'base', 'meta']);
const RAW_TEXT_CLOSE = new Map([...RAW_TEXT].map((name) => [name, new RegExp(`</${name}`, 'gi')]));

/**
 * The largest page parsed, in characters. The HTTP client stops reading at 64 MiB already (PyPI's
 * largest project pages are a few MiB); this bounds pages that come from elsewhere too.
 */
export const MAX_SIMPLE_PAGE_CHARS = 64 * 1024 * 1024;

/**
 * The files listed on a PEP 503 page. `pageUrl` is the URL the page came from after redirects:
 * relative links resolve against it (or against a `<base href>` when the page has one).
 */
export function parseSimpleHtml(html: string, pageUrl: string, name: string): ProjectPage {
  const problems = new PageProblems(pageUrl);
  if (html.length > MAX_SIMPLE_PAGE_CHARS) {
    throw new PyvouchError('INPUT_TOO_LARGE', `the project page is ${html.length} characters, more than the ${MAX_SIMPLE_PAGE_CHARS} pyvouch reads`, {
      file: pageUrl,
      help: 'the index serves an oversized simple API page; report it to the index operator',
    });
  }
  const lineAt = lineFinder(html);
  const tags = readTags(html, problems, lineAt);
  let base = pageUrl;
  let baseSeen = false;
  const anchors: Tag[] = [];
  for (const tag of tags) {
    if (tag.name === 'a' && tag.attributes.has('href')) anchors.push(tag);
    else if (tag.name === 'base' && !baseSeen && tag.attributes.has('href')) {
      // HTML: the first <base href> sets the base of every link, those before it included.
      baseSeen = true;
      try {
        base = new URL(tag.attributes.get('href')!.trim(), pageUrl).href;
      } catch {
        problems.add(`<base href="${tag.attributes.get('href')}"> is not a URL`, { line: lineAt(tag.start) });
      }
    } else if (tag.name === 'meta' && tag.attributes.get('name')?.toLowerCase() === 'pypi:repository-version') {
      const problem = apiVersionProblem(tag.attributes.get('content') ?? '');
      if (problem !== undefined) problems.add(problem, { line: lineAt(tag.start) });
    }
  }
  const files: IndexFile[] = [];
  for (const anchor of anchors) {
    const file = fileOf(anchor, base, problems, lineAt);
    if (file !== undefined) files.push(file);
  }
  problems.throwIfAny();
  return { name, files, url: pageUrl };
}

function fileOf(anchor: Tag, base: string, problems: PageProblems, lineAt: (offset: number) => number): IndexFile | undefined {
  const where = {
    get line(): number {
      return lineAt(anchor.start);
    },
  };
  const attr = (key: string): string | undefined => anchor.attributes.get(key);
  const href = attr('href')!.trim();
  if (href === '') return undefined;
  const link = resolveLink(href, base, problems, where);
  if (link === undefined) return undefined;
  // Only links a client may fetch from a remote page count; a file: link would read our own disk.
  if (link.protocol !== 'http:' && link.protocol !== 'https:') return undefined;
  const filename = filenameOfPath(link.pathname);
  if (filename === undefined) return undefined;

  const file: IndexFile = { filename, url: link.url, hashes: link.hashes, yanked: false, coreMetadata: false };
  const requiresPython = attr('data-requires-python')?.trim();
  if (requiresPython !== undefined && requiresPython !== '') file.requiresPython = requiresPython;
  const yanked = attr('data-yanked');
  if (yanked !== undefined) file.yanked = yanked.trim() === '' ? true : yanked;
  // PEP 714: the new name wins; the PEP 658 name is read only when the new one is absent.
  const metadata = attr('data-core-metadata') ?? attr('data-dist-info-metadata');
  if (metadata !== undefined) file.coreMetadata = parseHtmlMetadataAttribute(metadata, problems, where);
  const provenance = attr('data-provenance');
  if (provenance !== undefined) {
    const url = provenanceUrl(provenance, link.url, base);
    if (url !== undefined) file.provenance = url;
  }
  return file;
}

/** Every start tag of the document with its attributes (names lower-cased, values decoded). */
function readTags(html: string, problems: PageProblems, lineAt: (offset: number) => number): Tag[] {
  const tags: Tag[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      if (end < 0) {
        problems.add('unterminated comment', { line: lineAt(lt) });
        break;
      }
      i = end + 3;
      continue;
    }
    const next = html.charAt(lt + 1);
    if (next === '!' || next === '?' || next === '/') {
      // Doctype, processing instruction or end tag: nothing in them matters here.
      const end = html.indexOf('>', lt);
      if (end < 0) {
        problems.add('unterminated tag', { line: lineAt(lt) });
        break;
      }
      i = end + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(next)) {
      i = lt + 1; // a bare '<' in text
      continue;
    }
    const parsed = readTag(html, lt, problems, lineAt);
    if (parsed === undefined) break;
    // Only these tags matter; keeping no others bounds memory on a page of a million <br>s.
    if (KEPT.has(parsed.tag.name)) tags.push(parsed.tag);
    i = parsed.end;
    if (RAW_TEXT.has(parsed.tag.name)) {
      // Searched from here, case-insensitively, without copying the page: a page of many
      // <title> tags must cost its length, not its length times the number of tags.
      const closer = RAW_TEXT_CLOSE.get(parsed.tag.name)!;
      closer.lastIndex = i;
      const close = closer.exec(html)?.index ?? -1;
      i = close < 0 ? html.length : close;
    }
  }
  return tags;
}

function readTag(
  html: string,
  start: number,
  problems: PageProblems,
  lineAt: (offset: number) => number,
): { tag: Tag; end: number } | undefined {
  let j = start + 1;
  while (j < html.length && !isSpace(html.charCodeAt(j)) && html[j] !== '/' && html[j] !== '>') j += 1;
  const name = html.slice(start + 1, j).toLowerCase();
  const keep = KEPT.has(name);
  const attributes = new Map<string, string>();
  for (;;) {
    while (j < html.length && (isSpace(html.charCodeAt(j)) || html[j] === '/')) j += 1;
    if (j >= html.length) {
      problems.add(`unterminated <${name}> tag`, { line: lineAt(start) });
      return undefined;
    }
    if (html[j] === '>') return { tag: { name, attributes, start }, end: j + 1 };
    const nameStart = j;
    // HTML lets an attribute name start with '=', so the first character is taken as it is.
    j += 1;
    while (j < html.length && !isSpace(html.charCodeAt(j)) && !'/>='.includes(html[j]!)) j += 1;
    const attribute = html.slice(nameStart, j).toLowerCase();
    while (j < html.length && isSpace(html.charCodeAt(j))) j += 1;
    let value = '';
    if (html[j] === '=') {
      j += 1;
      while (j < html.length && isSpace(html.charCodeAt(j))) j += 1;
      const quote = html[j];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, j + 1);
        if (close < 0) {
          problems.add(`unterminated value of attribute '${attribute}' in <${name}>`, { line: lineAt(start) });
          return undefined;
        }
        value = html.slice(j + 1, close);
        j = close + 1;
      } else {
        const valueStart = j;
        while (j < html.length && !isSpace(html.charCodeAt(j)) && html[j] !== '>') j += 1;
        value = html.slice(valueStart, j);
      }
    }
    // HTML keeps the first of duplicated attributes; a later one must not override a hash or URL.
    if (keep && !attributes.has(attribute)) attributes.set(attribute, decodeCharacterReferences(value));
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

const NAMED = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
  ['nbsp', '\u00a0'],
]);

/**
 * Character references in an attribute value. Only terminated references are decoded: HTML leaves
 * `&lt` without `;` alone inside attributes in most cases, and the named set is limited to what a
 * simple API page has reason to escape; any other `&name;` is kept as written.
 */
export function decodeCharacterReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{0,31});/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
      return valid ? String.fromCodePoint(code) : '\ufffd';
    }
    return NAMED.get(ref) ?? whole;
  });
}
