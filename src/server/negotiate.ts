// Content negotiation of the simple API (PEP 691): a project page is one resource with a JSON and
// an HTML representation, chosen by the Accept header's quality values (RFC 9110 §12.5.1, the most
// specific matching range decides a type's quality). pip sends
//   application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01
// and uv the same with other weights, so both get JSON; a browser or `curl` gets HTML. PEP 691's
// optional `?format=` parameter, when given, is read as the Accept header.

export type PageFormat = 'json' | 'html';

export const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json';
export const SIMPLE_HTML = 'application/vnd.pypi.simple.v1+html';

export interface Negotiated {
  format: PageFormat;
  /** The Content-Type to answer with: always a concrete version, never `latest` (PEP 691). */
  contentType: string;
}

/** What the server can produce, in its order of preference on a tie of quality and specificity. */
const REPRESENTATIONS: readonly { type: string; format: PageFormat; contentType: string }[] = [
  { type: SIMPLE_JSON, format: 'json', contentType: SIMPLE_JSON },
  { type: 'application/vnd.pypi.simple.latest+json', format: 'json', contentType: SIMPLE_JSON },
  { type: SIMPLE_HTML, format: 'html', contentType: SIMPLE_HTML },
  { type: 'application/vnd.pypi.simple.latest+html', format: 'html', contentType: SIMPLE_HTML },
  { type: 'text/html', format: 'html', contentType: 'text/html; charset=utf-8' },
];

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

/** The ranges of an Accept header; malformed members are skipped, as RFC 9110 lets a server do. */
export function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const member of header.split(',')) {
    const [range, ...params] = member.split(';');
    const m = /^\s*([A-Za-z0-9!#$&^_.+*-]+)\/([A-Za-z0-9!#$&^_.+*-]+)\s*$/.exec(range ?? '');
    if (m === null) continue;
    const type = m[1]!.toLowerCase();
    const subtype = m[2]!.toLowerCase();
    if (type === '*' && subtype !== '*') continue;
    let q = 1;
    let valid = true;
    for (const param of params) {
      const p = /^\s*([A-Za-z0-9_-]+)\s*=\s*"?([^"]*)"?\s*$/.exec(param);
      if (p === null || p[1]!.toLowerCase() !== 'q') continue;
      // RFC 9110 qvalue: 0 to 1 with at most three decimals; anything else makes the member unusable.
      if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(p[2]!.trim())) valid = false;
      else q = Number(p[2]);
    }
    if (valid) ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** The quality of `mediaType` under `ranges` and how specific the deciding range was (-1: none). */
function quality(mediaType: string, ranges: readonly MediaRange[]): { q: number; specificity: number } {
  const [type, subtype] = mediaType.split('/') as [string, string];
  let best = { q: 0, specificity: -1 };
  for (const r of ranges) {
    const specificity = r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' ? 0 : -1;
    if (specificity > best.specificity) best = { q: r.q, specificity };
  }
  return best;
}

/**
 * The representation to send for `accept` (or for `format`, the PEP 691 query parameter, which
 * wins when present); undefined when nothing acceptable exists (answer 406). No Accept header
 * means anything goes, and HTML is then the answer every client understands.
 */
export function negotiatePage(accept: string | undefined, format?: string): Negotiated | undefined {
  const header = format !== undefined && format !== '' ? format : accept;
  if (header === undefined || header.trim() === '') return { format: 'html', contentType: 'text/html; charset=utf-8' };
  // A handful of clients send a handful of distinct headers: answer each from memory after the first.
  if (memo.has(header)) return memo.get(header);
  const chosen = choose(header);
  if (memo.size >= MEMO_SIZE) memo.clear();
  memo.set(header, chosen);
  return chosen;
}

const MEMO_SIZE = 256;
const memo = new Map<string, Negotiated | undefined>();

function choose(header: string): Negotiated | undefined {
  const ranges = parseAccept(header);
  let chosen: { rep: (typeof REPRESENTATIONS)[number]; q: number; specificity: number; rank: number } | undefined;
  REPRESENTATIONS.forEach((rep, index) => {
    const { q, specificity } = quality(rep.type, ranges);
    if (q <= 0) return;
    // On equal quality a named type beats a wildcard; among wildcards HTML wins (what `curl` and
    // pre-PEP 691 clients expect); otherwise the server's order (JSON first) decides.
    const rank = specificity > 0 ? index : rep.type === 'text/html' ? -1 : index;
    if (
      chosen === undefined ||
      q > chosen.q ||
      (q === chosen.q && (specificity > chosen.specificity || (specificity === chosen.specificity && rank < chosen.rank)))
    ) {
      chosen = { rep, q, specificity, rank };
    }
  });
  return chosen === undefined ? undefined : { format: chosen.rep.format, contentType: chosen.rep.contentType };
}
