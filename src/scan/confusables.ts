// Confusable characters for project names: what a reader's eye takes for an ASCII letter (Unicode
// TR39 confusables, the subset that matters for Latin names) and the digit/letter swaps typosquats
// use. PEP 508 names are ASCII, so a non-ASCII "name" is itself a sign of a spoof. Pure.

/** Non-ASCII characters that render like a lower-case ASCII letter or digit (after NFKC + lower). */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  // Cyrillic
  а: 'a', в: 'b', с: 'c', ԁ: 'd', е: 'e', ё: 'e', һ: 'h', і: 'i', ї: 'i', ј: 'j', к: 'k', ӏ: 'l',
  м: 'm', н: 'h', о: 'o', р: 'p', ԛ: 'q', г: 'r', ѕ: 's', т: 't', ц: 'u', ѵ: 'v', ԝ: 'w', х: 'x',
  у: 'y', з: '3', ь: 'b',
  // Greek
  α: 'a', β: 'b', ϲ: 'c', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u',
  χ: 'x', γ: 'y', ω: 'w',
  // Latin look-alikes outside ASCII that NFKC leaves alone
  ı: 'i', ȷ: 'j', ɑ: 'a', ɡ: 'g', ɩ: 'i', ʟ: 'l', ɴ: 'n', ꞵ: 'b', ß: 'ss', ø: 'o', đ: 'd', ł: 'l',
  // dashes and dots a name might hide behind
  '‐': '-', '‑': '-', '‒': '-', '–': '-', '—': '-', '−': '-', '․': '.', '·': '.',
};

/** ASCII swaps that look alike in most fonts: digit games and letter clusters. */
const VISUAL_PAIRS: Readonly<Record<string, string>> = { rn: 'm', vv: 'w', '0': 'o', '1': 'l', '5': 's', '3': 'e' };
const VISUAL = /rn|vv|[0135]/g;

export interface Folded {
  /** The name as ASCII after NFKC, lower-casing, diacritics removal and homoglyph mapping. */
  ascii: string;
  /** Whether the input held characters outside ASCII (a PEP 508 name never does). */
  hadNonAscii: boolean;
  /** Whether some character could not be mapped to ASCII at all. */
  unmapped: boolean;
}

/** Folds a name to the ASCII a reader would see: `rеquеsts` (Cyrillic е) becomes `requests`. */
export function foldToAscii(name: string): Folded {
   
  const hadNonAscii = /[^\u0000-\u007f]/.test(name);
  if (!hadNonAscii) return { ascii: name.toLowerCase(), hadNonAscii, unmapped: false };
  // NFKD splits accents off their letters (é → e + ◌́) and folds compatibility forms (ｒ → r).
  const decomposed = name.normalize('NFKC').toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '');
  let ascii = '';
  let unmapped = false;
  for (const ch of decomposed) {
    if (ch.charCodeAt(0) < 0x80 && ch.length === 1) ascii += ch;
    else if (HOMOGLYPHS[ch] !== undefined) ascii += HOMOGLYPHS[ch];
    else {
      unmapped = true;
      ascii += '?';
    }
  }
  return { ascii, hadNonAscii, unmapped };
}

/** The visual skeleton of an ASCII name without separators: `reque5ts`, `requests` → `requests`. */
export function visualSkeleton(stripped: string): string {
  // One pass: this runs for every popular name when the index is built.
  return stripped.replace(VISUAL, (m) => VISUAL_PAIRS[m] ?? m);
}

/** Runs of one character collapsed: `reqquessts` → `requests` skeleton `requests` → `requests`. */
export function collapseRuns(text: string): string {
  return text.replace(/(.)\1+/g, '$1');
}
