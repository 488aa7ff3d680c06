// The web UI's one page (served at /ui/). Static: every value it shows is filled in by app.js with
// textContent, never spliced into this markup. Links are relative so a path prefix works.

export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pyvouch</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="app.css">
<script src="app.js" defer></script>
</head>
<body>
<header>
  <h1>pyvouch <small>gated package index</small></h1>
  <p id="status" class="status">Loading the server's status…</p>
  <nav aria-label="views">
    <a href="#package" data-view="package">Packages</a>
    <a href="#log" data-view="log">Decision log</a>
    <a href="#graph" data-view="graph">Lock file graph</a>
  </nav>
</header>
<main>
  <section id="view-package" class="view" hidden>
    <form id="package-form" role="search">
      <label for="package-name">Package name</label>
      <input id="package-name" name="name" required autocomplete="off" spellcheck="false" maxlength="200" placeholder="e.g. requests">
      <button type="submit">Show verdicts</button>
    </form>
    <div id="package-result" aria-live="polite"></div>
  </section>

  <section id="view-log" class="view" hidden>
    <form id="log-form">
      <label>Verdict
        <select id="log-verdict">
          <option value="">any</option><option value="pass">pass</option><option value="fail">fail</option>
          <option value="exempt">exempt</option><option value="error">error</option>
        </select>
      </label>
      <label>Action
        <select id="log-action">
          <option value="">any</option><option value="serve">serve</option><option value="refuse">refuse</option>
          <option value="hide">hide</option><option value="audit">audit</option><option value="error">error</option>
        </select>
      </label>
      <label>Project <input id="log-project" autocomplete="off" spellcheck="false" maxlength="200"></label>
      <button type="submit">Show</button>
    </form>
    <div id="log-result" aria-live="polite"></div>
    <button id="log-more" type="button" hidden>Older entries</button>
  </section>

  <section id="view-graph" class="view" hidden>
    <form id="graph-form">
      <div class="row">
        <label>Lock file <input id="graph-file" type="file" accept=".lock,.toml,.txt,.in"></label>
        <label>File name <input id="graph-filename" value="uv.lock" autocomplete="off" spellcheck="false" maxlength="255"></label>
        <label>Format
          <select id="graph-format">
            <option value="">from the file name or content</option>
            <option value="uv.lock">uv.lock</option><option value="pylock.toml">pylock.toml</option>
            <option value="requirements.txt">requirements.txt</option><option value="poetry.lock">poetry.lock</option>
          </select>
        </label>
      </div>
      <label for="graph-lock">…or paste it</label>
      <textarea id="graph-lock" rows="10" spellcheck="false" placeholder="uv.lock, pylock.toml, requirements.txt or poetry.lock"></textarea>
      <details>
        <summary>pyproject.toml beside a poetry.lock (optional: it names the project's own requirements)</summary>
        <textarea id="graph-pyproject" rows="6" spellcheck="false"></textarea>
      </details>
      <fieldset>
        <legend>Target environment</legend>
        <label>Python <input id="graph-python" value="3.12" size="6" autocomplete="off"></label>
        <label>Platform
          <select id="graph-platform"><option>linux</option><option>macos</option><option>windows</option></select>
        </label>
        <label>Machine <input id="graph-machine" value="x86_64" size="8" autocomplete="off"></label>
        <label>Implementation
          <select id="graph-implementation"><option>cpython</option><option>pypy</option></select>
        </label>
        <label><input id="graph-all" type="checkbox"> all extras and groups</label>
      </fieldset>
      <button type="submit">Check the lock file</button>
    </form>
    <div id="graph-summary" aria-live="polite"></div>
    <div class="graph-area">
      <div id="graph-canvas" class="canvas"></div>
      <aside id="graph-details" aria-live="polite"><p class="hint">Check a lock file, then click a package to see why it passes or fails.</p></aside>
    </div>
  </section>
</main>
</body>
</html>
`;
