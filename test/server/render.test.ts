// Content negotiation (PEP 691, as pip, uv, browsers and curl send Accept) and the rendered pages,
// read back with pyvouch's own simple API parsers (src/index) so both sides agree on the format.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSimpleHtml } from '../../src/simple/simple-html.js';
import { parseSimpleJson } from '../../src/simple/simple-json.js';
import { negotiatePage, SIMPLE_HTML, SIMPLE_JSON } from '../../src/server/negotiate.js';
import { pageVersions, renderProjectHtml, renderProjectJson, renderProjectListHtml, renderProjectListJson, type ServedFile } from '../../src/server/render.js';
import { releaseOf } from '../../src/pep/filename.js';
import { PIP_ACCEPT } from './support.js';

describe('content negotiation', () => {
  const cases: { who: string; accept: string | undefined; format?: string; want: { format: 'json' | 'html'; contentType: string } | undefined }[] = [
    { who: 'pip', accept: PIP_ACCEPT, want: { format: 'json', contentType: SIMPLE_JSON } },
    {
      who: 'uv',
      accept: 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01',
      want: { format: 'json', contentType: SIMPLE_JSON },
    },
    { who: 'an old pip', accept: 'text/html', want: { format: 'html', contentType: 'text/html; charset=utf-8' } },
    {
      who: 'a browser',
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      want: { format: 'html', contentType: 'text/html; charset=utf-8' },
    },
    { who: 'curl', accept: '*/*', want: { format: 'html', contentType: 'text/html; charset=utf-8' } },
    { who: 'no Accept header', accept: undefined, want: { format: 'html', contentType: 'text/html; charset=utf-8' } },
    { who: 'a client asking for the versioned HTML', accept: SIMPLE_HTML, want: { format: 'html', contentType: SIMPLE_HTML } },
    { who: 'a client asking for latest JSON', accept: 'application/vnd.pypi.simple.latest+json', want: { format: 'json', contentType: SIMPLE_JSON } },
    {
      who: 'a client preferring HTML by weight',
      accept: 'application/vnd.pypi.simple.v1+json;q=0.5, application/vnd.pypi.simple.v1+html',
      want: { format: 'html', contentType: SIMPLE_HTML },
    },
    { who: 'q=0 excludes a type', accept: 'application/vnd.pypi.simple.v1+json;q=0, text/html;q=0.1', want: { format: 'html', contentType: 'text/html; charset=utf-8' } },
    { who: 'a specific q=0 beats a wildcard', accept: '*/*, text/html;q=0, application/vnd.pypi.simple.v1+html;q=0', want: { format: 'json', contentType: SIMPLE_JSON } },
    { who: 'plain JSON is not the simple API', accept: 'application/json', want: undefined },
    { who: 'an unsupported API version', accept: 'application/vnd.pypi.simple.v2+json', want: undefined },
    { who: 'a malformed q is ignored', accept: 'application/vnd.pypi.simple.v1+json;q=2, text/html', want: { format: 'html', contentType: 'text/html; charset=utf-8' } },
    { who: 'the format parameter wins', accept: 'text/html', format: SIMPLE_JSON, want: { format: 'json', contentType: SIMPLE_JSON } },
  ];
  for (const c of cases) {
    test(`answers ${c.who} with ${c.want === undefined ? '406' : c.want.contentType}`, () => {
      assert.deepEqual(negotiatePage(c.accept, c.format), c.want);
    });
  }
});

const SHA = 'ab'.repeat(32);
const files: ServedFile[] = [
  {
    filename: 'demo_pkg-1.0-py3-none-any.whl',
    url: '../../files/demo-pkg/demo_pkg-1.0-py3-none-any.whl',
    hashes: { sha256: SHA },
    requiresPython: '>=3.8,<4',
    yanked: false,
    coreMetadata: { hashes: { sha256: 'cd'.repeat(32) } },
    size: 1234,
    uploadTime: '2024-01-02T03:04:05.000000Z',
    provenance: '../../files/demo-pkg/demo_pkg-1.0-py3-none-any.whl.provenance',
  },
  {
    filename: 'demo_pkg-1.1+local.tar.gz',
    url: '../../files/demo-pkg/demo_pkg-1.1%2Blocal.tar.gz',
    hashes: { sha256: 'ef'.repeat(32) },
    yanked: 'broken "build" <oops> & more',
    coreMetadata: false,
    size: 99,
  },
];
const PAGE_URL = 'http://127.0.0.1:9/simple/demo-pkg/';

describe('rendered project pages', () => {
  test('HTML reads back as the same files, with escaping, yanked reasons, metadata and provenance', () => {
    const html = renderProjectHtml({ name: 'demo-pkg', files });
    assert.match(html, /<meta name="pypi:repository-version" content="1\.1">/);
    assert.match(html, /data-requires-python="&gt;=3\.8,&lt;4"/);
    const page = parseSimpleHtml(html, PAGE_URL, 'demo-pkg');
    assert.equal(page.files.length, 2);
    const [wheel, sdist] = page.files;
    assert.equal(wheel!.url, 'http://127.0.0.1:9/files/demo-pkg/demo_pkg-1.0-py3-none-any.whl');
    assert.deepEqual(wheel!.hashes, { sha256: SHA });
    assert.equal(wheel!.requiresPython, '>=3.8,<4');
    assert.deepEqual(wheel!.coreMetadata, { hashes: { sha256: 'cd'.repeat(32) } });
    assert.equal(wheel!.provenance, 'http://127.0.0.1:9/files/demo-pkg/demo_pkg-1.0-py3-none-any.whl.provenance');
    assert.equal(sdist!.yanked, 'broken "build" <oops> & more');
    assert.equal(sdist!.filename, 'demo_pkg-1.1+local.tar.gz');
  });

  test('JSON is api-version 1.1 with sizes and versions, and reads back as the same files', () => {
    const json = renderProjectJson({ name: 'demo-pkg', files }, pageVersions(files, (f) => releaseOf(f)?.version));
    const value = JSON.parse(json) as { meta: { 'api-version': string }; versions: string[]; files: Record<string, unknown>[] };
    assert.equal(value.meta['api-version'], '1.1');
    assert.deepEqual(value.versions, ['1.0', '1.1+local']);
    assert.deepEqual(value.files[0]!['core-metadata'], { sha256: 'cd'.repeat(32) });
    // pip 22.3-23.1 crash on a non-string `dist-info-metadata` JSON value: the old key is never written.
    assert.ok(value.files.every((f) => !('dist-info-metadata' in f)));
    const page = parseSimpleJson(json, PAGE_URL, 'demo-pkg');
    assert.deepEqual(
      page.files.map((f) => [f.filename, f.size, f.yanked, f.uploadTime]),
      [
        ['demo_pkg-1.0-py3-none-any.whl', 1234, false, '2024-01-02T03:04:05.000000Z'],
        ['demo_pkg-1.1+local.tar.gz', 99, 'broken "build" <oops> & more', undefined],
      ],
    );
    assert.equal(page.files[1]!.url, 'http://127.0.0.1:9/files/demo-pkg/demo_pkg-1.1%2Blocal.tar.gz');
  });

  test('JSON falls back to api-version 1.0 when a size is unknown (PEP 700 makes it mandatory)', () => {
    const { size: _size, ...unsized } = files[0]!;
    const value = JSON.parse(renderProjectJson({ name: 'demo-pkg', files: [unsized] }, ['1.0'])) as Record<string, unknown>;
    assert.deepEqual(value['meta'], { 'api-version': '1.0' });
    assert.equal(value['versions'], undefined);
    assert.equal((value['files'] as Record<string, unknown>[])[0]!['size'], undefined);
  });

  test('an empty page is still a valid page (every file filtered out)', () => {
    assert.deepEqual(parseSimpleHtml(renderProjectHtml({ name: 'gone', files: [] }), PAGE_URL, 'gone').files, []);
    assert.deepEqual(parseSimpleJson(renderProjectJson({ name: 'gone', files: [] }, []), PAGE_URL, 'gone').files, []);
  });

  test('the project list links to normalized names', () => {
    const names = [{ name: 'Demo_Pkg', canonical: 'demo-pkg' }];
    assert.match(renderProjectListHtml(names), /<a href="demo-pkg\/">Demo_Pkg<\/a>/);
    assert.deepEqual(JSON.parse(renderProjectListJson(names)), { meta: { 'api-version': '1.0' }, projects: [{ name: 'Demo_Pkg' }] });
  });
});
