// The web UI's diff view (/ui/diff/NAME/OLD/NEW, issue 15): two releases' files side by side, the
// new release's verdict, and the `pyvouch certify` command that records the delta review. Rendered
// on the server into escaped HTML with no script at all: every path, line and reason in it is
// attacker-controlled (whoever publishes upstream), and the page's CSP forbids inline script anyway.
import { diffLines } from 'diff';
import type { ReleaseDiff, ReleaseTree } from '../../artifact/diff.js';
import { escapeHtml } from '../render.js';

/** One row of the side-by-side table: a line on either side (or both), or a gap between hunks. */
export type SideRow =
  | { kind: 'same' | 'changed' | 'removed' | 'added'; old?: { n: number; text: string }; new?: { n: number; text: string } }
  | { kind: 'gap'; skipped: number };

/** Lines of unchanged context kept around each change. */
const CONTEXT = 3;
/** Rows rendered for the whole page at most; the rest is summarised (the stat still counts them). */
const MAX_ROWS = 20_000;

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  return lines;
}

/** The side-by-side rows of a text file's change, with `CONTEXT` lines around each change. */
export function sideBySide(oldText: string, newText: string): SideRow[] {
  const all: SideRow[] = [];
  let o = 1;
  let n = 1;
  const parts = diffLines(oldText, newText);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const lines = splitLines(part.value);
    if (!part.added && !part.removed) {
      for (const text of lines) all.push({ kind: 'same', old: { n: o++, text }, new: { n: n++, text } });
      continue;
    }
    const next = parts[i + 1];
    if (part.removed && next?.added === true) {
      // A replacement: pair the removed lines with the added ones, row by row.
      const added = splitLines(next.value);
      for (let k = 0; k < Math.max(lines.length, added.length); k++) {
        const a = lines[k];
        const b = added[k];
        all.push({
          kind: a !== undefined && b !== undefined ? 'changed' : a !== undefined ? 'removed' : 'added',
          ...(a === undefined ? {} : { old: { n: o++, text: a } }),
          ...(b === undefined ? {} : { new: { n: n++, text: b } }),
        });
      }
      i++;
      continue;
    }
    for (const text of lines) all.push(part.removed ? { kind: 'removed', old: { n: o++, text } } : { kind: 'added', new: { n: n++, text } });
  }
  // Keep changes and their context; fold the rest into gaps.
  const keep = new Array<boolean>(all.length).fill(false);
  all.forEach((row, i) => {
    if (row.kind === 'same') return;
    for (let k = Math.max(0, i - CONTEXT); k <= Math.min(all.length - 1, i + CONTEXT); k++) keep[k] = true;
  });
  const out: SideRow[] = [];
  let skipped = 0;
  all.forEach((row, i) => {
    if (keep[i]) {
      if (skipped > 0) out.push({ kind: 'gap', skipped });
      skipped = 0;
      out.push(row);
    } else skipped++;
  });
  if (skipped > 0) out.push({ kind: 'gap', skipped });
  return out;
}

export interface DiffPage {
  name: string;
  oldVersion: string;
  newVersion: string;
  diff: ReleaseDiff;
  from: ReleaseTree;
  to: ReleaseTree;
  /** The new release's file decision under the policy in force. */
  verdict: { allowed: boolean; verdict: string; summary: string; reasons: readonly string[] };
  /** The command that records the delta review. */
  certify: string;
  /** Relative path from this page to /ui/ (the stylesheet and the app). */
  uiRoot: string;
}

/** The whole page. */
export function renderDiffPage(p: DiffPage): string {
  const e = escapeHtml;
  const d = p.diff;
  const title = `${p.name} ${p.oldVersion} \u2192 ${p.newVersion}`;
  const out: string[] = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>pyvouch diff: ${e(title)}</title>`,
    `<link rel="stylesheet" href="${e(p.uiRoot)}app.css">`,
    '</head><body class="diff-page">',
    `<header><h1>pyvouch</h1><nav><a href="${e(p.uiRoot)}#package/${encodeURIComponent(p.name)}">${e(p.name)} in the UI</a></nav></header>`,
    '<main>',
    `<h2>${e(title)}</h2>`,
    `<section class="verdict" data-allowed="${p.verdict.allowed ? 'true' : 'false'}">`,
    `<p><span class="badge ${p.verdict.allowed ? 'pass' : 'fail'}">${e(p.verdict.verdict)}</span> <span class="summary">${e(p.verdict.summary)}</span></p>`,
  ];
  if (!p.verdict.allowed && p.verdict.reasons.length > 0) {
    out.push('<ul class="missing reasons">', ...p.verdict.reasons.map((r) => `<li>${e(r)}</li>`), '</ul>');
  }
  out.push(
    '</section>',
    '<section class="certify"><h3>Record the review</h3>',
    `<p>After reading the diff below, sign a delta audit bound to <code>${e(d.to.archive)}</code>${d.to.sha256 === undefined ? '' : ` (sha256 <code>${e(d.to.sha256)}</code>)`}:</p>`,
    `<pre class="command"><code id="certify-command">${e(p.certify)}</code></pre>`,
    '</section>',
    `<p class="stat" id="diff-stat">${d.files.length} file${d.files.length === 1 ? '' : 's'} changed, <span class="added">+${d.added}</span> <span class="removed">-${d.removed}</span>${d.binary > 0 ? `, ${d.binary} binary` : ''} \u00b7 <code>${e(d.from.archive)}</code> \u2192 <code>${e(d.to.archive)}</code></p>`,
  );
  if (d.files.length === 0) out.push('<p class="muted">The two releases hold the same files.</p>');
  let rows = 0;
  for (const f of d.files) {
    out.push(`<section class="diff-file" data-path="${e(f.path)}" data-change="${f.change}">`);
    out.push(`<h3><code>${e(f.path)}</code> <small>${f.change}${f.binary ? ', binary' : `, +${f.added} -${f.removed}`}</small></h3>`);
    if (f.binary) {
      out.push('<p class="muted">Binary file: listed, not diffed.</p></section>');
      continue;
    }
    if (rows >= MAX_ROWS) {
      out.push(`<p class="muted">Not shown: the page already holds ${MAX_ROWS} lines. Run <code>pyvouch diff</code> for the whole patch.</p></section>`);
      continue;
    }
    const side = sideBySide(p.from.files.get(f.path)?.toString('utf8') ?? '', p.to.files.get(f.path)?.toString('utf8') ?? '');
    rows += side.length;
    out.push('<table class="side-by-side"><colgroup><col class="ln"><col class="code"><col class="ln"><col class="code"></colgroup><tbody>');
    for (const r of side) {
      if (r.kind === 'gap') {
        out.push(`<tr class="gap"><td colspan="4">\u22ef ${r.skipped} unchanged line${r.skipped === 1 ? '' : 's'}</td></tr>`);
        continue;
      }
      const cell = (line: { n: number; text: string } | undefined, side: 'old' | 'new'): string =>
        line === undefined ? `<td class="ln"></td><td class="${side} empty"></td>` : `<td class="ln">${line.n}</td><td class="${side}"><code>${e(line.text)}</code></td>`;
      out.push(`<tr class="${r.kind}">${cell(r.old, 'old')}${cell(r.new, 'new')}</tr>`);
    }
    out.push('</tbody></table></section>');
  }
  out.push('</main></body></html>');
  return `${out.join('\n')}\n`;
}
