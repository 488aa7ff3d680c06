import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PyvouchError } from '../../src/errors.js';
import { decodeCharacterReferences, parseSimpleHtml } from '../../src/simple/simple-html.js';
import type { IndexFile } from '../../src/simple/types.js';

const PAGE = 'https://index.example/simple/foo/';
const SHA = 'a'.repeat(64);
const META_SHA = 'b'.repeat(64);

function page(body: string): string {
  return `<!DOCTYPE html>\n<html>\n<head><meta name="pypi:repository-version" content="1.1"></head>\n<body>\n${body}\n</body>\n</html>\n`;
}

function file(filename: string, fields: Partial<IndexFile> = {}): IndexFile {
  return { filename, url: `https://index.example/files/${filename}`, hashes: {}, yanked: false, coreMetadata: false, ...fields };
}

function parseError(html: string): PyvouchError {
  try {
    parseSimpleHtml(html, PAGE, 'foo');
  } catch (err) {
    assert.ok(err instanceof PyvouchError, String(err));
    return err;
  }
  assert.fail('the page was accepted');
}

describe('parseSimpleHtml', () => {
  const cases: Array<{ name: string; body: string; files: IndexFile[] }> = [
    {
      name: 'an absolute link with a sha256 fragment',
      body: `<a href="https://index.example/files/foo-1.0-py3-none-any.whl#sha256=${SHA}">foo-1.0-py3-none-any.whl</a>`,
      files: [file('foo-1.0-py3-none-any.whl', { hashes: { sha256: SHA } })],
    },
    {
      name: 'a relative link, resolved against the page URL',
      body: '<a href="../../files/foo-1.0.tar.gz">foo-1.0.tar.gz</a>',
      files: [file('foo-1.0.tar.gz')],
    },
    {
      name: 'a root-relative link',
      body: '<a href="/files/foo-1.0.tar.gz">foo-1.0.tar.gz</a>',
      files: [file('foo-1.0.tar.gz')],
    },
    {
      name: 'a link resolved against <base href>, even one written before it',
      body: '<a href="foo-1.0.tar.gz">x</a><base href="https://index.example/files/">',
      files: [file('foo-1.0.tar.gz')],
    },
    {
      name: 'other hash algorithms, upper-case hex lower-cased',
      body: `<a href="/files/foo-1.0.tar.gz#md5=${'C'.repeat(32)}">x</a><a href="/files/foo-1.1.tar.gz#sha512=${'d'.repeat(128)}">y</a>`,
      files: [file('foo-1.0.tar.gz', { hashes: { md5: 'c'.repeat(32) } }), file('foo-1.1.tar.gz', { hashes: { sha512: 'd'.repeat(128) } })],
    },
    {
      name: 'a fragment that is not a hash (#egg=) is ignored',
      body: '<a href="/files/foo-1.0.tar.gz#egg=foo">x</a>',
      files: [file('foo-1.0.tar.gz')],
    },
    {
      name: 'an HTML-escaped data-requires-python, named and numeric references',
      body: '<a href="/files/a-1.tar.gz" data-requires-python="&gt;=3.8,&lt;4">x</a><a href="/files/b-1.tar.gz" data-requires-python="&#62;=3,!=3.0.*&#x2C;&#x3c;4">y</a>',
      files: [file('a-1.tar.gz', { requiresPython: '>=3.8,<4' }), file('b-1.tar.gz', { requiresPython: '>=3,!=3.0.*,<4' })],
    },
    {
      name: 'an empty data-requires-python is no constraint',
      body: '<a href="/files/a-1.tar.gz" data-requires-python="">x</a>',
      files: [file('a-1.tar.gz')],
    },
    {
      name: 'data-yanked without a value, empty, and with an escaped reason',
      body:
        '<a href="/files/a-1.tar.gz" data-yanked>x</a><a href="/files/a-2.tar.gz" data-yanked="">y</a>' +
        '<a href="/files/a-3.tar.gz" data-yanked="broken &quot;wheel&quot; &amp; more">z</a>',
      files: [file('a-1.tar.gz', { yanked: true }), file('a-2.tar.gz', { yanked: true }), file('a-3.tar.gz', { yanked: 'broken "wheel" & more' })],
    },
    {
      name: 'PEP 714 data-core-metadata with a digest, and true',
      body: `<a href="/files/a-1-py3-none-any.whl" data-core-metadata="sha256=${META_SHA}">x</a><a href="/files/a-2-py3-none-any.whl" data-core-metadata="true">y</a>`,
      files: [
        file('a-1-py3-none-any.whl', { coreMetadata: { hashes: { sha256: META_SHA } } }),
        file('a-2-py3-none-any.whl', { coreMetadata: { hashes: {} } }),
      ],
    },
    {
      name: 'the PEP 658 data-dist-info-metadata alone is still read',
      body: `<a href="/files/a-1-py3-none-any.whl" data-dist-info-metadata="sha256=${META_SHA}">x</a>`,
      files: [file('a-1-py3-none-any.whl', { coreMetadata: { hashes: { sha256: META_SHA } } })],
    },
    {
      name: 'data-core-metadata wins over data-dist-info-metadata',
      body: `<a href="/files/a-1-py3-none-any.whl" data-dist-info-metadata="true" data-core-metadata="sha256=${META_SHA}">x</a>`,
      files: [file('a-1-py3-none-any.whl', { coreMetadata: { hashes: { sha256: META_SHA } } })],
    },
    {
      name: 'data-provenance as a URL, and as the older sha256 of <file>.provenance',
      body: `<a href="/files/a-1.tar.gz" data-provenance="/integrity/a/1/a-1.tar.gz/provenance">x</a><a href="/files/a-2.tar.gz" data-provenance="${SHA}">y</a>`,
      files: [
        file('a-1.tar.gz', { provenance: 'https://index.example/integrity/a/1/a-1.tar.gz/provenance' }),
        file('a-2.tar.gz', { provenance: 'https://index.example/files/a-2.tar.gz.provenance' }),
      ],
    },
    {
      name: 'a percent-encoded file name is decoded',
      body: '<a href="/files/foo-1.0%2Blocal-py3-none-any.whl">foo-1.0+local-py3-none-any.whl</a>',
      files: [{ ...file('foo-1.0+local-py3-none-any.whl'), url: 'https://index.example/files/foo-1.0%2Blocal-py3-none-any.whl' }],
    },
    {
      name: 'upper-case tags and attributes, single quotes and unquoted values',
      body: `<A HREF='/files/a-1.tar.gz' DATA-YANKED=gone>x</A><a href=/files/a-2.tar.gz data-requires-python=&gt;=3>y</a>`,
      files: [file('a-1.tar.gz', { yanked: 'gone' }), file('a-2.tar.gz', { requiresPython: '>=3' })],
    },
    {
      name: 'links in comments and scripts, links without href and directory links are not files',
      body:
        '<!-- <a href="/files/c-1.tar.gz">c</a> --><script>let s = "<a href=\'/files/s-1.tar.gz\'>";</script>' +
        '<a name="top">top</a><a href="../">up</a><a href="">empty</a><a href="mailto:admin@index.example">mail</a><a href="/files/a-1.tar.gz">a</a>',
      files: [file('a-1.tar.gz')],
    },
    {
      name: 'the first of duplicated attributes counts',
      body: `<a href="/files/a-1.tar.gz#sha256=${SHA}" href="/files/evil-1.tar.gz">x</a>`,
      files: [file('a-1.tar.gz', { hashes: { sha256: SHA } })],
    },
    {
      name: 'a page without links is a project without files',
      body: '<h1>Links for foo</h1>',
      files: [],
    },
  ];
  for (const c of cases) {
    it(`reads ${c.name}`, () => {
      const result = parseSimpleHtml(page(c.body), PAGE, 'foo');
      assert.deepEqual(result, { name: 'foo', files: c.files, url: PAGE });
    });
  }

  it('accepts any 1.x repository version and a page without one', () => {
    for (const version of ['1.0', '1.3']) {
      const html = `<meta name="pypi:repository-version" content="${version}"><a href="/files/a-1.tar.gz">a</a>`;
      assert.equal(parseSimpleHtml(html, PAGE, 'foo').files.length, 1);
    }
    assert.equal(parseSimpleHtml('<a href="/files/a-1.tar.gz">a</a>', PAGE, 'foo').files.length, 1);
  });

  const errors: Array<{ name: string; html: string; line?: number }> = [
    { name: 'a repository version 2.0', html: '<meta name="pypi:repository-version" content="2.0">', line: 1 },
    { name: 'a repository version that is not Major.Minor', html: '<meta name="pypi:repository-version" content="one">' },
    { name: 'an unterminated attribute value', html: '<a href="/files/a-1.tar.gz>a</a>\n' },
    { name: 'an unterminated tag', html: '<a href="/files/a-1.tar.gz"' },
    { name: 'an unterminated comment', html: '<!-- <a href="/files/a-1.tar.gz">' },
    { name: 'a sha256 fragment that is not hex', html: '\n\n<a href="/files/a-1.tar.gz#sha256=xyz">a</a>', line: 3 },
    { name: 'a sha256 fragment of the wrong length', html: `<a href="/files/a-1.tar.gz#sha256=${'a'.repeat(63)}">a</a>` },
    { name: 'a metadata attribute that is neither true nor a digest', html: '<a href="/files/a-1.whl" data-core-metadata="yes please">a</a>' },
    { name: 'a metadata digest that is not hex', html: '<a href="/files/a-1.whl" data-core-metadata="sha256=zz">a</a>' },
    { name: 'an href that is not a URL', html: '<a href="https://[bad">a</a>' },
  ];
  for (const c of errors) {
    it(`refuses ${c.name} with INDEX_PARSE naming the page`, () => {
      const err = parseError(c.html);
      assert.equal(err.code, 'INDEX_PARSE');
      assert.equal(err.file, PAGE);
      if (c.line !== undefined) assert.equal(err.line, c.line);
    });
  }

  it('reports every bad link, not only the first', () => {
    const err = parseError('<a href="/f/a-1.tar.gz#sha256=x">a</a>\n<a href="/f/b-1.whl" data-core-metadata="md5=q">b</a>');
    assert.equal(err.problems.length, 2);
    assert.deepEqual(
      err.problems.map((p) => p.line),
      [1, 2],
    );
  });
});

describe('decodeCharacterReferences', () => {
  const cases: Array<[string, string]> = [
    ['&lt;&gt;&amp;&quot;&apos;', '<>&"\''],
    ['&#60;&#x3E;&#X3e;', '<>>'],
    ['a &unknown; b', 'a &unknown; b'],
    ['&lt without semicolon', '&lt without semicolon'],
    ['&#0;&#xD800;', '\ufffd\ufffd'],
    ['&constructor;&toString;', '&constructor;&toString;'],
  ];
  for (const [input, expected] of cases) {
    it(`decodes ${JSON.stringify(input)}`, () => assert.equal(decodeCharacterReferences(input), expected));
  }
});

describe('link URLs without their fragment', () => {
  it('cuts the fragment only: an escaped # in the path or query stays, as url.hash = "" leaves it', () => {
    const hrefs = [
      `/files/a%23b-1.0-py3-none-any.whl?x=%23y#sha256=${SHA}`,
      '/files/c-1.0-py3-none-any.whl#',
      '/files/d-1.0-py3-none-any.whl?q=1',
      'https://other.example/e-1.0.tar.gz#egg=e#more',
    ];
    const parsed = parseSimpleHtml(page(hrefs.map((h) => `<a href="${h}">x</a>`).join('\n')), PAGE, 'foo');
    assert.deepEqual(
      parsed.files.map((f) => f.url),
      hrefs.map((h) => {
        const u = new URL(h, PAGE);
        u.hash = '';
        return u.href;
      }),
    );
    assert.equal(parsed.files[0]!.filename, 'a#b-1.0-py3-none-any.whl');
    assert.deepEqual(parsed.files[0]!.hashes, { sha256: SHA });
  });
});
