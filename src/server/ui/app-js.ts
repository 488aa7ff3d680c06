// The web UI's script (served at /ui/app.js). Plain ES2020 for any current browser, no framework,
// no build: it is a string here so it ships inside the compiled package like any module.
//
// Rule for this file: data from the server (package names, versions, file names, reasons, agent
// names) only ever reaches the page through textContent, createTextNode or setAttribute on inert
// attributes (title, aria-label, data-*). The one URL built from data is a fragment link
// ('#package/' + encodeURIComponent(name)). The page's CSP also forbids HTML sinks (Trusted Types).
//
// Written without backquotes and dollar-brace so it can live inside a String.raw template.

export const APP_JS = String.raw`'use strict';
(function () {
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var MAX_LOCK_BYTES = 2 * 1024 * 1024;
  var LOG_PAGE = 50;
  var STATE_MARK = { pass: '\u2713 pass', fail: '\u2717 fail', exempt: '\u25cb exempt', 'closure-fail': '! dependency fails', unknown: '? no verdict' };
  var STATE_TEXT = {
    pass: 'meets the policy',
    fail: 'fails the policy',
    exempt: 'exempt from the policy',
    'closure-fail': 'meets the policy itself, but depends on a package that fails',
    unknown: 'no verdict',
  };
  var OUTCOME_TEXT = { serve: 'served', refuse: 'download refused (403)', hide: 'hidden from pages', audit: 'served anyway (audit mode)' };

  function $(id) { return document.getElementById(id); }

  function api(path) { return new URL('../api/' + path, document.baseURI).toString(); }

  /** An element with text or children; attrs are set as attributes (never on* handlers). */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    add(node, children);
    return node;
  }

  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    add(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (/^on/i.test(k)) throw new Error('event handlers are not set as attributes');
      if (k === 'text') node.textContent = String(v);
      else node.setAttribute(k, String(v));
    });
  }

  function add(node, children) {
    if (children === undefined || children === null) return;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (c) {
      if (c === undefined || c === null || c === false) return;
      node.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    });
  }

  /** replaceChildren, skipping absent parts (replaceChildren itself would write them as 'null'). */
  function replace(node, children) {
    node.replaceChildren();
    add(node, children);
  }

  function badge(kind, text) { return el('span', { class: 'badge ' + kind, text: text || kind }); }

  function formatNumber(n) {
    var r = Math.round(n * 1000) / 1000;
    return Number.isInteger(r) ? r.toFixed(1) : String(r);
  }

  function fetchJson(url, init) {
    return fetch(url, Object.assign({ headers: { Accept: 'application/json' }, credentials: 'same-origin' }, init || {})).then(function (res) {
      return res.text().then(function (text) {
        var body = null;
        try { body = text === '' ? null : JSON.parse(text); } catch (e) { body = { error: { code: 'HTTP', message: text.trim() || res.statusText } }; }
        return { status: res.status, ok: res.ok, body: body };
      });
    });
  }

  function errorBox(err, status) {
    var e = err && err.error ? err.error : { message: err && err.message ? err.message : String(err) };
    var where = e.file ? e.file + (e.line ? ':' + e.line : '') + ': ' : '';
    var box = el('div', { class: 'error', role: 'alert' }, [
      el('strong', { text: status ? 'Error ' + status + (e.code ? ' (' + e.code + ')' : '') + ': ' : 'Error: ' }),
      where + (e.message || 'the request failed'),
    ]);
    if (e.help) box.appendChild(el('div', { class: 'help', text: 'help: ' + e.help }));
    if (Array.isArray(e.problems)) box.appendChild(el('ul', null, e.problems.map(function (p) { return el('li', { text: p.message }); })));
    return box;
  }

  /* ---------- views and routing ---------- */

  var VIEWS = ['package', 'log', 'graph'];
  var logShown = false;

  function show(view) {
    VIEWS.forEach(function (v) {
      $('view-' + v).hidden = v !== view;
      var link = document.querySelector('nav a[data-view="' + v + '"]');
      if (v === view) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    });
    document.title = 'pyvouch: ' + { package: 'packages', log: 'decision log', graph: 'lock file graph' }[view];
  }

  function route() {
    var hash = location.hash.replace(/^#/, '');
    var slash = hash.indexOf('/');
    var view = slash < 0 ? hash : hash.slice(0, slash);
    if (VIEWS.indexOf(view) < 0) view = 'package';
    var arg = '';
    if (slash >= 0) {
      try { arg = decodeURIComponent(hash.slice(slash + 1)); } catch (e) { arg = ''; }
    }
    show(view);
    if (view === 'package' && arg !== '') {
      $('package-name').value = arg;
      loadPackage(arg);
    }
    if (view === 'log' && !logShown) {
      logShown = true;
      loadLog(false);
    }
  }

  function loadStatus() {
    fetchJson(api('status')).then(function (r) {
      var s = r.body || {};
      if (!r.ok) { $('status').textContent = 'Cannot read the server status (' + r.status + ').'; return; }
      $('status').textContent = 'pyvouch ' + s.version + ' \u00b7 mode ' + s.mode + ' \u00b7 upstream ' + s.upstream +
        ' \u00b7 policy ' + (s.policy || '(none)') + ' \u00b7 generation ' + s.generation;
    }, function () { $('status').textContent = 'Cannot reach the server.'; });
  }

  /* ---------- a policy report (shared by the package and graph views) ---------- */

  function reportBlock(report, opts) {
    var out = el('div', { class: 'report' });
    var line = 'score ' + formatNumber(report.score) + ' of ' + formatNumber(report.threshold) + ' \u00b7 criteria ' + report.criteria.join(', ');
    if (report.required && report.required.length > 0) line += ' \u00b7 must be vouched for by ' + report.required.join(', ');
    out.appendChild(el('p', { class: 'score', text: line }));
    if (report.exemption) {
      out.appendChild(el('p', { class: 'exemption', text: 'Exempt' + (report.exemption.expired ? ' (expired)' : '') + ': ' + report.exemption.reason +
        (report.exemption.expires ? ' (until ' + report.exemption.expires.slice(0, 10) + ')' : '') }));
    }
    out.appendChild(el('h4', { text: 'Who vouched' }));
    if (report.contributions.length === 0) out.appendChild(el('p', { class: 'none', text: 'Nobody vouched for this release.' }));
    else {
      out.appendChild(el('table', { class: 'contributions' }, [
        el('thead', null, el('tr', null, ['party', 'kind', 'weight', 'who', 'statement', 'why it counts'].map(function (h) { return el('th', { text: h }); }))),
        el('tbody', null, report.contributions.map(function (c) {
          return el('tr', null, [
            el('td', { text: c.party }),
            el('td', { text: c.kind + (c.delta ? ' from ' + c.delta.from : '') }),
            el('td', { class: 'num', text: '+' + formatNumber(c.weight) }),
            el('td', null, [el('code', { text: c.agent }), c.path && c.path.length > 1 ? el('div', { class: 'muted', text: 'via ' + c.path.join(' \u2192 ') }) : null]),
            el('td', null, el('code', { text: c.statement ? c.statement.slice(0, 16) : '' , title: c.statement || '' })),
            el('td', { text: c.message }),
          ]);
        })),
      ]));
    }
    if (!opts.skipMissing && report.verdict !== 'pass' && report.missing.length > 0) {
      out.appendChild(el('h4', { text: report.verdict === 'exempt' ? 'What the exemption waives' : 'What is missing' }));
      out.appendChild(el('ul', { class: 'missing' }, report.missing.map(function (m) { return el('li', { text: m.message }); })));
    }
    if (report.notes.length > 0) {
      out.appendChild(el('h4', { text: 'Notes' }));
      out.appendChild(el('ul', { class: 'notes' }, report.notes.map(function (n) { return el('li', { text: n.message }); })));
    }
    if (report.closurePath) out.appendChild(el('p', { class: 'closure', text: 'Depends on a failing package: ' + report.closurePath.join(' \u2192 ') }));
    if (report.trustedVersions && report.trustedVersions.length > 0) {
      out.appendChild(el('p', { class: 'muted', text: 'Versions already vouched for (a delta review from one of them is cheaper): ' +
        report.trustedVersions.map(function (t) { return t.version + ' (' + t.parties.join(', ') + ')'; }).join(', ') }));
    }
    return out;
  }

  /* ---------- package view ---------- */

  var packageSeq = 0;

  function loadPackage(name) {
    var seq = ++packageSeq;
    var out = $('package-result');
    out.replaceChildren(el('p', { class: 'muted', text: 'Asking the server about ' + name + '\u2026' }));
    fetchJson(api('packages/' + encodeURIComponent(name))).then(function (r) {
      if (seq !== packageSeq) return;
      out.replaceChildren(r.ok ? packageBlock(r.body) : errorBox(r.body, r.status));
    }, function (err) {
      if (seq === packageSeq) out.replaceChildren(errorBox(err));
    });
  }

  function packageBlock(p) {
    var block = el('div', { class: 'package', 'data-name': p.name });
    block.appendChild(el('h2', { text: p.name }));
    block.appendChild(el('p', { class: 'muted', text: p.releases.length + ' release' + (p.releases.length === 1 ? '' : 's') + ' upstream \u00b7 mode ' + p.mode +
      ' \u00b7 upstream ' + p.upstream + ' \u00b7 generation ' + p.generation }));
    if (p.releases.length === 0) block.appendChild(el('p', { text: 'Upstream lists no files for this project.' }));
    p.releases.forEach(function (rel, i) {
      var counts = Object.keys(rel.verdicts).sort().map(function (k) { return rel.verdicts[k] + ' ' + k; }).join(', ');
      // Releases come newest first: a failing one is diffed against the newest usable one before it.
      var base = null;
      if (!rel.allowed) for (var k = i + 1; k < p.releases.length && base === null; k++) if (p.releases[k].allowed) base = p.releases[k].version;
      var section = el('section', { class: 'release', 'data-version': rel.version }, [
        el('h3', null, ['Version ' + rel.version + ' ', rel.allowed ? badge('usable') : badge('unusable', 'not usable'), ' ', el('small', { class: 'muted', text: counts }),
          base === null ? null : el('a', { class: 'diff-link', href: 'diff/' + encodeURIComponent(p.name) + '/' + encodeURIComponent(base) + '/' + encodeURIComponent(rel.version),
            text: 'diff from ' + base + ' (side by side, with the certify command)' })]),
      ]);
      rel.files.forEach(function (f) { section.appendChild(fileBlock(f)); });
      block.appendChild(section);
    });
    return block;
  }

  function fileBlock(f) {
    var div = el('div', { class: 'file', 'data-filename': f.filename, 'data-verdict': f.verdict }, [
      el('div', null, [
        el('code', { text: f.filename }), ' ',
        badge(f.verdict), ' ',
        badge(f.outcome, OUTCOME_TEXT[f.outcome] || f.outcome),
        f.yanked ? el('span', { class: 'muted', text: ' yanked' + (typeof f.yanked === 'string' ? ': ' + f.yanked : '') }) : null,
      ]),
      el('p', { class: 'summary', text: f.summary }),
    ]);
    if (f.verdict !== 'pass' && f.reasons.length > 0) {
      div.appendChild(el('h4', { text: f.verdict === 'exempt' ? 'Why it is allowed' : 'Why not' }));
      div.appendChild(el('ul', { class: 'missing reasons' }, f.reasons.map(function (r) { return el('li', { text: r }); })));
    }
    if (f.report) div.appendChild(reportBlock(f.report, { skipMissing: true }));
    div.appendChild(el('p', { class: 'muted' }, ['sha256 ', el('code', { text: f.sha256 || '(upstream states none)' })]));
    return div;
  }

  /* ---------- decision log view ---------- */

  var logSeq = 0;
  var logNext = null;

  function loadLog(older) {
    var seq = ++logSeq;
    var q = new URLSearchParams();
    q.set('limit', String(LOG_PAGE));
    var verdict = $('log-verdict').value;
    var action = $('log-action').value;
    var project = $('log-project').value.trim();
    if (verdict) q.set('verdict', verdict);
    if (action) q.set('action', action);
    if (project) q.set('project', project);
    if (older && logNext !== null) q.set('before', String(logNext));
    var out = $('log-result');
    if (!older) out.replaceChildren(el('p', { class: 'muted', text: 'Loading the decision log\u2026' }));
    $('log-more').hidden = true;
    fetchJson(api('log?' + q.toString())).then(function (r) {
      if (seq !== logSeq) return;
      if (!r.ok) { out.replaceChildren(errorBox(r.body, r.status)); return; }
      var entries = r.body.entries;
      logNext = r.body.next === undefined ? null : r.body.next;
      var tbody = older ? out.querySelector('tbody') : null;
      if (!tbody) {
        if (entries.length === 0) {
          out.replaceChildren(el('p', { text: verdict || action || project ? 'No decisions match these filters.' : 'No decisions recorded yet.' }));
          return;
        }
        tbody = el('tbody');
        out.replaceChildren(el('table', { class: 'log' }, [
          el('thead', null, el('tr', null, ['when (UTC)', 'verdict', 'action', 'project', 'version', 'file', 'client', 'reasons'].map(function (h) { return el('th', { text: h }); }))),
          tbody,
        ]));
      }
      entries.forEach(function (e) { tbody.appendChild(logRow(e)); });
      $('log-more').hidden = entries.length < LOG_PAGE || logNext === null;
    }, function (err) {
      if (seq === logSeq) out.replaceChildren(errorBox(err));
    });
  }

  function logRow(e) {
    return el('tr', { 'data-verdict': e.verdict, 'data-action': e.action }, [
      el('td', { text: String(e.time).replace('T', ' ').replace(/\.\d+Z$|Z$/, '') }),
      el('td', null, badge(e.verdict)),
      el('td', null, badge(e.action)),
      el('td', null, el('a', { href: '#package/' + encodeURIComponent(e.project), text: e.project })),
      el('td', { text: e.version }),
      el('td', null, el('code', { text: e.filename })),
      el('td', { text: e.client }),
      el('td', null, e.reasons.length === 0 ? '' : el('ul', { class: 'reasons' }, e.reasons.map(function (r) { return el('li', { text: r }); }))),
    ]);
  }

  /* ---------- lock file graph view ---------- */

  var graphSeq = 0;

  function readChosenFile() {
    var file = $('graph-file').files[0];
    if (!file) return;
    var out = $('graph-summary');
    if (file.size > MAX_LOCK_BYTES) {
      out.replaceChildren(errorBox({ error: { message: file.name + ' is ' + file.size + ' bytes; the server accepts lock files up to ' + MAX_LOCK_BYTES + ' bytes' } }));
      return;
    }
    file.text().then(function (text) {
      $('graph-lock').value = text;
      $('graph-filename').value = file.name;
      $('graph-format').value = '';
    }, function (err) { out.replaceChildren(errorBox(err)); });
  }

  function checkLock() {
    var seq = ++graphSeq;
    var all = $('graph-all').checked;
    var body = {
      lock: $('graph-lock').value,
      filename: $('graph-filename').value.trim(),
      python: $('graph-python').value.trim(),
      platform: $('graph-platform').value,
      machine: $('graph-machine').value.trim(),
      implementation: $('graph-implementation').value,
      allExtras: all,
      allGroups: all,
    };
    if ($('graph-format').value) body.format = $('graph-format').value;
    if ($('graph-pyproject').value.trim() !== '') body.pyproject = $('graph-pyproject').value;
    var summary = $('graph-summary');
    if (body.lock.trim() === '') {
      summary.replaceChildren(errorBox({ error: { message: 'choose a lock file or paste its text first' } }));
      return;
    }
    summary.replaceChildren(el('p', { class: 'muted', text: 'Checking\u2026' }));
    fetchJson(api('graph'), { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) }).then(function (r) {
      if (seq !== graphSeq) return;
      if (!r.ok) {
        summary.replaceChildren(errorBox(r.body, r.status));
        $('graph-canvas').replaceChildren();
        return;
      }
      drawGraph(r.body);
    }, function (err) {
      if (seq === graphSeq) summary.replaceChildren(errorBox(err));
    });
  }

  function drawGraph(g) {
    var c = g.counts;
    var env = g.environment;
    var headline = g.passed ? 'All ' + c.nodes + ' packages meet the policy.' : c.fail + ' of ' + c.nodes + ' packages fail the policy.';
    var dependents = g.nodes.filter(function (n) { return n.state === 'closure-fail'; }).length;
    replace($('graph-summary'), [
      el('p', { class: 'headline' }, [badge(g.passed ? 'pass' : 'fail'), ' ', el('strong', { text: headline })]),
      el('p', { class: 'muted', text: c.pass + ' pass, ' + c.exempt + ' exempt, ' + c.fail + ' fail' + (dependents > 0 ? ' \u00b7 ' + dependents + ' of the passing depend on a failing package' : '') + ' \u00b7 threshold ' +
        formatNumber(g.threshold) + ' \u00b7 criteria ' + g.criteria.join(', ') + ' \u00b7 ' + g.source.format + ' for ' + env.implementation + ' ' + env.python + ' ' +
        env.platform + ' ' + env.machine + ' \u00b7 ' + g.statements + ' statements \u00b7 evaluated ' + g.evaluatedAt }),
      el('p', { class: 'legend' }, ['pass', 'fail', 'exempt', 'closure-fail'].map(function (s) { return badge(s, STATE_MARK[s]); })),
      g.edgesKnown ? null : el('p', { class: 'muted', text: 'This format records no dependency edges, so the packages are shown without them.' }),
      g.diagnostics.length === 0 ? null : el('ul', { class: 'diagnostics' }, g.diagnostics.map(function (d) {
        return el('li', { text: d.level + ': ' + (d.file ? d.file + (d.line ? ':' + d.line : '') + ': ' : '') + d.message });
      })),
    ]);

    var w = g.layout.boxWidth;
    var h = g.layout.boxHeight;
    var at = new Map(g.nodes.map(function (n) { return [n.name, n]; }));
    var root = svg('svg', { width: g.layout.width, height: g.layout.height, viewBox: '0 0 ' + g.layout.width + ' ' + g.layout.height, role: 'group', 'aria-label': 'dependency graph' });
    root.appendChild(svg('defs', null, svg('marker', { id: 'arrow', viewBox: '0 0 8 8', refX: '8', refY: '4', markerWidth: '7', markerHeight: '7', orient: 'auto' },
      svg('path', { class: 'arrow', d: 'M0,0 L8,4 L0,8 z' }))));
    var edges = [];
    g.edges.forEach(function (e) {
      var a = at.get(e.from);
      var b = at.get(e.to);
      if (!a || !b) return;
      var x1 = a.x + w, y1 = a.y + h / 2, x2 = b.x, y2 = b.y + h / 2;
      var d = x2 <= x1
        ? 'M' + x1 + ',' + y1 + ' C' + (x1 + 40) + ',' + y1 + ' ' + (x2 - 40) + ',' + y2 + ' ' + x2 + ',' + y2
        : 'M' + x1 + ',' + y1 + ' C' + (x1 + x2) / 2 + ',' + y1 + ' ' + (x1 + x2) / 2 + ',' + y2 + ' ' + x2 + ',' + y2;
      var path = svg('path', { class: 'edge', d: d, 'marker-end': 'url(#arrow)' },
        svg('title', { text: e.from + ' \u2192 ' + e.to + (e.specifier ? ' ' + e.specifier : '') + (e.marker ? '; ' + e.marker : '') }));
      edges.push({ from: e.from, to: e.to, path: path });
      root.appendChild(path);
    });
    var selected = null;
    g.nodes.forEach(function (n) {
      var label = n.name + ' ' + n.version;
      if (label.length > 27) label = label.slice(0, 26) + '\u2026';
      var node = svg('g', { class: 'node ' + n.state, tabindex: '0', role: 'button', 'data-name': n.name, 'data-verdict': n.state,
        'aria-label': n.name + ' ' + n.version + ': ' + n.state }, [
        svg('rect', { x: n.x, y: n.y, width: w, height: h, rx: '5' }),
        svg('text', { x: n.x + 8, y: n.y + 16, text: label }),
        svg('text', { class: 'state', x: n.x + 8, y: n.y + 32, text: STATE_MARK[n.state] || n.state }),
        svg('title', { text: n.name + ' ' + n.version + ': ' + (STATE_TEXT[n.state] || n.state) }),
      ]);
      function choose() {
        if (selected) selected.classList.remove('selected');
        selected = node;
        node.classList.add('selected');
        edges.forEach(function (e) { e.path.classList.toggle('near', e.from === n.name || e.to === n.name); });
        $('graph-details').replaceChildren(nodeDetails(n));
      }
      node.addEventListener('click', choose);
      node.addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); choose(); }
      });
      root.appendChild(node);
    });
    $('graph-canvas').replaceChildren(root);
    $('graph-details').replaceChildren(el('p', { class: 'hint', text: 'Click a package (or focus it and press Enter) to see who vouched for it and what is missing.' }));
  }

  function nodeDetails(n) {
    var div = el('div', { class: 'node-details', 'data-name': n.name, 'data-verdict': n.state }, [
      el('h3', null, [el('span', { class: 'name', text: n.name }), ' ', el('span', { class: 'version', text: n.version })]),
      el('p', null, [badge(n.state), ' ', STATE_TEXT[n.state] || n.state]),
    ]);
    if (n.path && n.path.length > 1) div.appendChild(el('p', { class: 'muted', text: 'required by ' + n.path.slice(0, -1).join(' \u2192 ') }));
    else if (n.path) div.appendChild(el('p', { class: 'muted', text: 'a root of the lock file' }));
    if (n.report) div.appendChild(reportBlock(n.report, {}));
    else div.appendChild(el('p', { text: 'The policy gave no verdict for this package.' }));
    return div;
  }

  /* ---------- wiring ---------- */

  function init() {
    $('package-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var name = $('package-name').value.trim();
      if (name === '') return;
      var hash = '#package/' + encodeURIComponent(name);
      if (location.hash === hash) loadPackage(name);
      else location.hash = hash;
    });
    $('log-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      logShown = true;
      loadLog(false);
    });
    $('log-verdict').addEventListener('change', function () { loadLog(false); });
    $('log-action').addEventListener('change', function () { loadLog(false); });
    $('log-more').addEventListener('click', function () { loadLog(true); });
    $('graph-file').addEventListener('change', readChosenFile);
    $('graph-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      checkLock();
    });
    window.addEventListener('hashchange', route);
    loadStatus();
    route();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
`;
