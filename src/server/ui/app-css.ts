// The web UI's stylesheet (served at /ui/app.css; the page's CSP allows no inline style). Verdict
// colours match the HTML report of `pyvouch check`; every coloured thing also carries its verdict
// as text, and failing boxes in the graph have a dashed border, so colour is never the only signal.

export const APP_CSS = `
:root{--pass:#15803d;--pass-bg:#dcfce7;--fail:#b91c1c;--fail-bg:#fee2e2;--exempt:#a16207;--exempt-bg:#fef9c3;
--closure:#c2410c;--closure-bg:#ffedd5;--error:#6d28d9;--error-bg:#ede9fe;--muted:#6b7280;--line:#e5e7eb}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#111827;background:#fff}
header{padding:12px 24px 0;border-bottom:1px solid var(--line)}
header h1{font-size:18px;margin:0}header h1 small{font-weight:normal;color:var(--muted);font-size:13px}
.status{margin:4px 0 8px;color:var(--muted);font-size:13px}
nav a{display:inline-block;padding:6px 12px;margin-right:4px;border:1px solid transparent;border-bottom:none;
border-radius:6px 6px 0 0;color:#1d4ed8;text-decoration:none}
nav a[aria-current="page"]{border-color:var(--line);background:#fff;color:#111827;font-weight:600;margin-bottom:-1px}
main{padding:16px 24px}
form{margin:0 0 12px}
form label{margin-right:12px}
input,select,textarea,button{font:inherit}
textarea{width:100%;font:12px/1.4 ui-monospace,monospace}
fieldset{border:1px solid var(--line);border-radius:6px;margin:8px 0}
.row{display:flex;flex-wrap:wrap;gap:8px 16px;margin-bottom:6px}
button{padding:4px 12px;border:1px solid #1d4ed8;background:#1d4ed8;color:#fff;border-radius:5px;cursor:pointer}
button[type=button]{background:#fff;color:#1d4ed8}
.error{border:1px solid var(--fail);background:var(--fail-bg);color:var(--fail);padding:8px 12px;border-radius:6px}
.error .help{color:#111827}
.hint,.muted{color:var(--muted)}
code{font-size:12px;word-break:break-all}
.badge{display:inline-block;font-size:11px;font-weight:600;padding:1px 7px;border-radius:8px;text-transform:uppercase;
letter-spacing:.02em;vertical-align:middle;border:1px solid currentColor}
.badge.pass,.badge.serve,.badge.usable{background:var(--pass-bg);color:var(--pass)}
.badge.fail,.badge.refuse,.badge.unusable{background:var(--fail-bg);color:var(--fail)}
.badge.exempt,.badge.audit{background:var(--exempt-bg);color:var(--exempt)}
.badge.closure-fail,.badge.hide{background:var(--closure-bg);color:var(--closure)}
.badge.error,.badge.unknown{background:var(--error-bg);color:var(--error)}
.release{border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:0 0 10px}
.release h3{font-size:15px;margin:0 0 6px}
.file{border-top:1px solid var(--line);padding:6px 0}
.file:first-of-type{border-top:none}
.file .summary{margin:2px 0}
.report h4{font-size:13px;margin:8px 0 2px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #f3f4f6;vertical-align:top}
th{background:#f9fafb}
td.num{text-align:right;white-space:nowrap}
ul.missing li{color:var(--fail)}ul.notes li{color:var(--muted)}
.graph-area{display:grid;grid-template-columns:minmax(0,3fr) minmax(280px,2fr);gap:16px;align-items:start}
.canvas{overflow:auto;max-height:75vh;border:1px solid var(--line);border-radius:6px;min-height:80px}
#graph-details{border:1px solid var(--line);border-radius:6px;padding:8px 12px;max-height:75vh;overflow:auto}
#graph-details h3{margin:0 0 6px;font-size:16px}
svg .edge{fill:none;stroke:#9ca3af;stroke-width:1}
svg .edge.near{stroke:#1d4ed8;stroke-width:2}
svg text{font:12px ui-monospace,monospace;fill:#111827;pointer-events:none}
svg text.state{font:bold 11px system-ui,sans-serif}
svg .node{cursor:pointer}
svg .node rect{stroke-width:1.5}
svg .node:hover rect,svg .node:focus rect{stroke-width:3}
svg .node:focus{outline:none}
svg .node.selected rect{stroke:#1d4ed8;stroke-width:3.5}
svg .node.pass rect{fill:var(--pass-bg);stroke:var(--pass)}
svg .node.fail rect{fill:var(--fail-bg);stroke:var(--fail);stroke-dasharray:5 3}
svg .node.exempt rect{fill:var(--exempt-bg);stroke:var(--exempt)}
svg .node.closure-fail rect{fill:var(--closure-bg);stroke:var(--closure)}
svg .node.unknown rect{fill:#f3f4f6;stroke:var(--muted)}
svg .node.fail text.state{fill:var(--fail)}svg .node.pass text.state{fill:var(--pass)}
svg .node.exempt text.state{fill:var(--exempt)}svg .node.closure-fail text.state{fill:var(--closure)}
svg .arrow{fill:#9ca3af}
.legend{margin:6px 0}.legend .badge{margin-right:6px}
.diagnostics li{color:var(--muted)}
@media (max-width:900px){.graph-area{grid-template-columns:1fr}}
.diff-page main{max-width:none}
.diff-page pre.command{background:#111827;color:#f9fafb;padding:8px 12px;border-radius:6px;overflow-x:auto}
.diff-page .stat .added{color:var(--pass)}.diff-page .stat .removed{color:var(--fail)}
table.side-by-side{width:100%;border-collapse:collapse;table-layout:fixed;font-size:12px;margin-bottom:12px}
table.side-by-side col.ln{width:4em}
table.side-by-side td{vertical-align:top;padding:0 6px;border-left:1px solid #e5e7eb}
table.side-by-side td.ln{color:var(--muted);text-align:right;user-select:none}
table.side-by-side td code{white-space:pre-wrap;word-break:break-all}
table.side-by-side tr.removed td.old,table.side-by-side tr.changed td.old{background:var(--fail-bg)}
table.side-by-side tr.added td.new,table.side-by-side tr.changed td.new{background:var(--pass-bg)}
table.side-by-side td.empty{background:#f3f4f6}
table.side-by-side tr.gap td{color:var(--muted);background:#f9fafb;text-align:center}
a.diff-link{font-size:13px;margin-left:8px}
`;
