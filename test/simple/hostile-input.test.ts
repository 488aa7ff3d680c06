// Hostile simple API pages (issue 19, item 4): parsing is linear in the page, with a size cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyvouchError } from '../../src/errors.js';
import { MAX_SIMPLE_PAGE_CHARS, parseSimpleHtml } from '../../src/simple/simple-html.js';
import { parseSimpleJson } from '../../src/simple/simple-json.js';
import { growth, LINEAR_RATIO } from '../support/scaling.js';

const PAGE = 'https://pypi.org/simple/demo/';

test('a simple-API page with 32,000 <title> tags is parsed in linear time', () => {
  const make = (n: number): string => `<!DOCTYPE html><html><body>${'<title>x</title>'.repeat(n)}<a href="demo-1.0.tar.gz">demo-1.0.tar.gz</a></body></html>`;
  const g = growth(make, (html) => parseSimpleHtml(html, PAGE, 'demo'), 10_000);
  assert.ok(g.ratio < LINEAR_RATIO, `10x the tags took ${g.ratio.toFixed(1)}x as long (${g.small.toFixed(1)} -> ${g.large.toFixed(1)} ms)`);
  assert.equal(parseSimpleHtml(make(32_000), PAGE, 'demo').files.length, 1);
});

test('a 240 KB page of links is parsed in linear time', () => {
  const make = (n: number): string =>
    Array.from({ length: n }, (_, i) => `<a href="demo-1.${i}.tar.gz#sha256=${'a'.repeat(64)}" data-requires-python="&gt;=3.8">demo-1.${i}.tar.gz</a><br/>`).join('\n');
  const g = growth(make, (html) => parseSimpleHtml(html, PAGE, 'demo'), 200);
  assert.ok(g.ratio < LINEAR_RATIO, `10x the links took ${g.ratio.toFixed(1)}x as long (${g.small.toFixed(1)} -> ${g.large.toFixed(1)} ms)`);
});

test('a page larger than MAX_SIMPLE_PAGE_CHARS is refused with INPUT_TOO_LARGE', () => {
  const html = ' '.repeat(MAX_SIMPLE_PAGE_CHARS + 1);
  assert.throws(() => parseSimpleHtml(html, PAGE, 'demo'), (err: unknown) => err instanceof PyvouchError && err.code === 'INPUT_TOO_LARGE');
});

test('a PEP 691 page nested 100,000 deep is refused, not a stack overflow', () => {
  const json = `{"meta":{"api-version":"1.1"},"name":"demo","files":[],"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
  assert.throws(() => parseSimpleJson(json, PAGE, 'demo'), (err: unknown) => err instanceof PyvouchError && err.code === 'INDEX_PARSE');
});
