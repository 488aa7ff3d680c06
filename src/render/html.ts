// HTML output of `pyvouch check`: one self-contained page (no external assets, no script) with the
// dependency graph drawn as SVG — nodes coloured by verdict, each a link to its section — and, per
// package, who vouched, how much, and what is missing.
import { pathsFromRoot } from '../graph/graph.js';
import { formatNumber, type NodeReport } from '../trust/report.js';
import { layoutGraph, REPORT_DIMENSIONS } from './graph-layout.js';
import type { CheckContext } from './check.js';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

const anchor = (name: string): string => `pkg-${name.replace(/[^a-z0-9-]/g, '_')}`;

const COLORS: Record<string, { fill: string; stroke: string }> = {
  pass: { fill: '#dcfce7', stroke: '#15803d' },
  fail: { fill: '#fee2e2', stroke: '#b91c1c' },
  exempt: { fill: '#fef9c3', stroke: '#a16207' },
  'closure-fail': { fill: '#ffedd5', stroke: '#c2410c' },
  unknown: { fill: '#f3f4f6', stroke: '#6b7280' },
};

const { boxWidth: BOX_W, boxHeight: BOX_H } = REPORT_DIMENSIONS;

function renderSvg(ctx: CheckContext): string {
  const { placed, width, height } = layoutGraph(ctx.graph, ctx.report);
  const at = new Map(placed.map((p) => [p.name, p]));
  const edges = ctx.graph.edges
    .map((e) => {
      const a = at.get(e.from);
      const b = at.get(e.to);
      if (a === undefined || b === undefined) return '';
      const x1 = a.x + BOX_W;
      const y1 = a.y + BOX_H / 2;
      const x2 = b.x;
      const y2 = b.y + BOX_H / 2;
      const back = x2 <= x1;
      const d = back
        ? `M${x1},${y1} C${x1 + 40},${y1} ${x2 - 40},${y2} ${x2},${y2}`
        : `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`;
      return `<path class="edge" d="${d}"><title>${escapeHtml(`${e.from} → ${e.to} ${e.specifier}${e.marker === null ? '' : `; ${e.marker}`}`)}</title></path>`;
    })
    .join('');
  const nodes = placed
    .map((p) => {
      const c = COLORS[p.state] ?? COLORS['unknown']!;
      const text = p.label.length > 28 ? `${p.label.slice(0, 27)}…` : p.label;
      return `<a href="#${anchor(p.name)}" class="node" data-name="${escapeHtml(p.name)}" data-verdict="${p.state}"><rect x="${p.x}" y="${p.y}" width="${BOX_W}" height="${BOX_H}" rx="5" fill="${c.fill}" stroke="${c.stroke}"/><text x="${p.x + 8}" y="${p.y + 17}">${escapeHtml(text)}</text><title>${escapeHtml(`${p.label}: ${p.state}`)}</title></a>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="dependency graph">${edges}${nodes}</svg>`;
}

function renderNode(n: NodeReport, path: string[] | undefined): string {
  const state = n.verdict === 'pass' && n.closure === 'fail' ? 'closure-fail' : n.verdict;
  const list = (items: string[], cls: string): string =>
    items.length === 0 ? '' : `<ul class="${cls}">${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
  const contributions = n.contributions.map(
    (c) => `<tr><td>${escapeHtml(c.party)}</td><td>${escapeHtml(c.kind)}</td><td class="num">+${formatNumber(c.weight)}</td><td><code>${escapeHtml(c.agent)}</code>${c.path.length > 1 ? `<br><small>via ${escapeHtml(c.path.join(' → '))}</small>` : ''}</td><td><code>${escapeHtml((c.statement ?? '').slice(0, 16))}</code></td><td>${escapeHtml(c.message)}</td></tr>`,
  );
  return `<section id="${anchor(n.name)}" class="pkg ${state}" data-verdict="${state}">
<h3><span class="badge ${state}">${escapeHtml(state)}</span> ${escapeHtml(n.name)} ${escapeHtml(n.version)} <small>score ${formatNumber(n.score)} of ${formatNumber(n.threshold)} · criteria ${escapeHtml(n.criteria.join(', '))}</small></h3>
${path !== undefined && path.length > 1 ? `<p class="path">required by ${escapeHtml(path.join(' → '))}</p>` : ''}
${n.exemption !== undefined ? `<p class="exemption">Exempt: ${escapeHtml(n.exemption.reason)}${n.exemption.expires !== undefined ? ` (until ${escapeHtml(n.exemption.expires.slice(0, 10))})` : ''}</p>` : ''}
${contributions.length > 0 ? `<table><thead><tr><th>party</th><th>kind</th><th>weight</th><th>who</th><th>statement</th><th>why it counts</th></tr></thead><tbody>${contributions.join('')}</tbody></table>` : '<p class="none">Nobody vouched for this release.</p>'}
${n.verdict !== 'pass' ? list(n.missing.map((m) => m.message), 'missing') : ''}
${list(n.notes.map((x) => x.message), 'notes')}
${n.closurePath !== undefined ? `<p class="closure">Depends on a failing package: ${escapeHtml(n.closurePath.join(' → '))}</p>` : ''}
</section>`;
}

export function renderCheckHtml(ctx: CheckContext): string {
  const { report, graph } = ctx;
  const pathOf = pathsFromRoot(graph);
  const c = report.counts;
  const title = `pyvouch check: ${graph.source.path ?? graph.source.format}`;
  const ordered = [...report.nodes].sort((a, b) => {
    const rank = (n: NodeReport): number => (n.verdict === 'fail' ? 0 : n.verdict === 'exempt' ? 1 : n.closure === 'fail' ? 2 : 3);
    return rank(a) - rank(b) || a.name.localeCompare(b.name);
  });
  const env = graph.environment;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#111827;background:#fff}
header{padding:16px 24px;border-bottom:1px solid #e5e7eb}
header h1{font-size:18px;margin:0 0 4px}
.summary.pass{color:#15803d}.summary.fail{color:#b91c1c}
main{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:0;height:calc(100vh - 90px)}
#graph{overflow:auto;border-right:1px solid #e5e7eb;padding:8px}
#details{overflow:auto;padding:8px 16px}
svg .edge{fill:none;stroke:#9ca3af;stroke-width:1}
svg text{font:12px ui-monospace,monospace;fill:#111827}
svg a.node:hover rect{stroke-width:2.5}
.pkg{border:1px solid #e5e7eb;border-radius:6px;padding:8px 12px;margin:0 0 10px}
.pkg:target{outline:3px solid #2563eb}
.pkg h3{font-size:15px;margin:0 0 6px}.pkg small{color:#6b7280;font-weight:normal}
.badge{font-size:11px;padding:1px 6px;border-radius:8px;text-transform:uppercase;vertical-align:middle}
.badge.pass{background:#dcfce7;color:#15803d}.badge.fail{background:#fee2e2;color:#b91c1c}
.badge.exempt{background:#fef9c3;color:#a16207}.badge.closure-fail{background:#ffedd5;color:#c2410c}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:2px 6px;border-bottom:1px solid #f3f4f6;vertical-align:top}
td.num{text-align:right}code{font-size:12px;word-break:break-all}
ul.missing li{color:#b91c1c}ul.notes li{color:#6b7280}.path,.closure{color:#6b7280;margin:2px 0}
.legend span{display:inline-block;margin-right:12px}
</style></head>
<body>
<header><h1>${escapeHtml(title)}</h1>
<div class="summary ${report.passed ? 'pass' : 'fail'}">${report.passed ? 'All packages meet the policy.' : `${c.fail} of ${c.nodes} packages fail the policy.`} ${c.pass} pass, ${c.exempt} exempt, ${c.fail} fail · threshold ${formatNumber(report.threshold)} · criteria ${escapeHtml(report.criteria.join(', '))} · ${escapeHtml(`${env.implementation} ${env.python} ${env.platform} ${env.machine}`)} · ${ctx.statements} statements · evaluated ${escapeHtml(report.evaluatedAt)}</div>
<div class="legend">${Object.entries(COLORS)
    .filter(([k]) => k !== 'unknown')
    .map(([k, v]) => `<span><svg width="12" height="12"><rect width="12" height="12" fill="${v.fill}" stroke="${v.stroke}"/></svg> ${k}</span>`)
    .join('')}</div></header>
<main><div id="graph">${renderSvg(ctx)}</div>
<div id="details">${ordered.map((n) => renderNode(n, pathOf(n.name))).join('\n')}</div></main>
</body></html>
`;
}
