import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PyvouchError } from '../../src/errors.js';
import { isStaticRequiresDist, parseCoreMetadata, type CoreMetadata } from '../../src/pep/metadata.js';
import { SpecifierSet } from '../../src/pep/specifier.js';

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/metadata/${name}`, import.meta.url), 'utf8');
}

function parseFixture(name: string): CoreMetadata {
  return parseCoreMetadata(fixture(name), { file: name });
}

/** Parse and return the METADATA_PARSE error it must throw. */
function parseError(text: string, file = 'METADATA'): PyvouchError {
  try {
    parseCoreMetadata(text, { file });
  } catch (err) {
    assert.ok(err instanceof PyvouchError, 'throws a PyvouchError');
    assert.equal(err.code, 'METADATA_PARSE');
    assert.equal(err.file, file);
    assert.ok(err.problems.length >= 1);
    for (const p of err.problems) assert.equal(p.code, 'METADATA_PARSE');
    return err;
  }
  assert.fail('expected a METADATA_PARSE error');
}

test('reads Metadata-Version 1.0 with a distutils-indented Description', () => {
  const meta = parseFixture('six-1.0.0.PKG-INFO');
  assert.equal(meta.metadataVersion, '1.0');
  assert.equal(meta.name, 'six');
  assert.equal(meta.version, '1.0.0');
  assert.equal(meta.author, 'Benjamin Peterson');
  assert.equal(meta.license, 'UNKNOWN');
  assert.deepEqual(meta.platforms, ['UNKNOWN']);
  assert.deepEqual(meta.keywords, ['python', '2to3', 'compatibility']);
  assert.equal(
    meta.description,
    [
      'Six is a Python 2 and 3 compatibility library.  It provides utility functions',
      'for smoothing over the differences between the Python versions with the goal of',
      'writing Python code that is compatible on both Python versions.',
      '',
      'Documentation',
      '=============',
      '',
      '    import six',
      '',
      'Online documentation is at http://packages.python.org/six/.',
    ].join('\n'),
  );
  assert.deepEqual(meta.requiresDist, []);
  assert.equal(meta.requiresPython, undefined);
  assert.equal(isStaticRequiresDist(meta), false);
});

test('reads Metadata-Version 1.1 with classifiers and the old Requires/Provides/Obsoletes', () => {
  const meta = parseFixture('docutils-0.3.7.PKG-INFO');
  assert.equal(meta.metadataVersion, '1.1');
  assert.equal(meta.downloadUrl, 'http://prdownloads.sourceforge.net/docutils/docutils-0.3.7.tar.gz');
  assert.equal(meta.classifiers.length, 4);
  assert.equal(meta.classifiers[3], 'Topic :: Documentation');
  assert.deepEqual(meta.requires, ['re', 'xml.dom']);
  assert.deepEqual(meta.provides, ['docutils', 'docutils.parsers.rst']);
  assert.deepEqual(meta.obsoletes, ['pre_docutils']);
  assert.deepEqual(meta.platforms, ['OS-independent']);
  assert.ok(meta.description?.startsWith('Docutils is a modular system for processing documentation\ninto useful formats'));
});

test('reads Metadata-Version 1.2 and normalises name, version and Requires-Python', () => {
  const meta = parseFixture('pytz-2013.7.PKG-INFO');
  assert.equal(meta.name, 'PyTZ');
  assert.equal(meta.canonicalName, 'pytz');
  assert.equal(meta.version, '2013.7');
  assert.equal(meta.requiresPython, '>=2.4');
  assert.equal(meta.maintainer, 'Stuart Bishop');
  assert.equal(meta.maintainerEmail, 'stuart@stuartbishop.net');
  assert.deepEqual(meta.keywords, ['timezone', 'tzinfo', 'datetime', 'olson', 'time']);
  assert.deepEqual(meta.requiresExternal, ['libtz (>=2013)']);
  assert.deepEqual(meta.providesDist, ['pytz']);
  assert.deepEqual(meta.obsoletesDist, ['gmpy (<1.0)']);
  assert.deepEqual(meta.projectUrls, [{ label: 'Bug Tracker', url: 'https://bugs.launchpad.net/pytz' }]);
  assert.deepEqual(
    meta.requiresDist.map((r) => r.name),
    ['setuptools'],
  );
});

test('reads Metadata-Version 2.1 with the description in the body and extras normalised', () => {
  const meta = parseFixture('requests-2.32.3.METADATA');
  assert.equal(meta.metadataVersion, '2.1');
  assert.equal(meta.summary, 'Python HTTP for Humans.');
  assert.equal(meta.requiresPython, '>=3.8');
  assert.equal(meta.descriptionContentType, 'text/markdown');
  assert.deepEqual(meta.licenseFiles, ['LICENSE']);
  assert.deepEqual(meta.providesExtra, ['security', 'socks', 'use-chardet-on-py3']);
  assert.deepEqual(
    meta.requiresDist.map((r) => r.name),
    ['charset-normalizer', 'idna', 'urllib3', 'certifi', 'PySocks', 'chardet'],
  );
  const socks = meta.requiresDist[4]!;
  assert.notEqual(socks.marker, null);
  assert.notEqual(socks.marker, undefined);
  assert.equal(meta.requiresDist[0]!.marker ?? null, null);
  assert.deepEqual(meta.projectUrls, [
    { label: 'Documentation', url: 'https://requests.readthedocs.io' },
    { label: 'Source', url: 'https://github.com/psf/requests' },
  ]);
  assert.ok(meta.description?.startsWith('# Requests\n\n**Requests** is a simple'));
  assert.ok(meta.description?.includes("auth=('user', 'pass'))\n>>> r.status_code"));
  // 2.1 predates PEP 643: nothing says the dependencies are final.
  assert.equal(isStaticRequiresDist(meta), false);
});

test('reads a static Metadata-Version 2.2 PKG-INFO, keeping a multi-line License', () => {
  const meta = parseFixture('markupsafe-3.0.2.PKG-INFO');
  assert.equal(meta.name, 'MarkupSafe');
  assert.equal(meta.canonicalName, 'markupsafe');
  assert.deepEqual(meta.dynamic, []);
  assert.deepEqual(meta.requiresDist, []);
  assert.equal(isStaticRequiresDist(meta), true);
  assert.equal(meta.projectUrls.length, 5);
  assert.equal(meta.projectUrls[4]!.label, 'Chat');
  assert.equal(
    meta.license,
    [
      'Copyright 2010 Pallets',
      '',
      'Redistribution and use in source and binary forms, with or without',
      'modification, are permitted provided that the following conditions are',
      'met:',
      '',
      '1.  Redistributions of source code must retain the above copyright',
      '    notice, this list of conditions and the following disclaimer.',
    ].join('\n'),
  );
  assert.ok(meta.description?.startsWith('# MarkupSafe\n'));
});

test('reads Dynamic fields lower-cased, and dynamic Requires-Dist is not static (PEP 643)', () => {
  const meta = parseFixture('legacy-setup-py-1.4.0.PKG-INFO');
  assert.equal(meta.metadataVersion, '2.2');
  assert.deepEqual(meta.dynamic, ['requires-dist', 'provides-extra', 'license-file']);
  assert.equal(isStaticRequiresDist(meta), false);
  assert.equal(meta.description, 'Dependencies depend on the machine the sdist is built on.\n');
});

test('reads Metadata-Version 2.3 with markers on extras', () => {
  const meta = parseFixture('attrs-24.2.0.METADATA');
  assert.equal(meta.metadataVersion, '2.3');
  assert.equal(meta.version, '24.2.0');
  assert.equal(meta.licenseExpression, 'MIT');
  assert.deepEqual(meta.keywords, ['attribute', 'boilerplate', 'class']);
  assert.deepEqual(meta.providesExtra, ['benchmark', 'tests-mypy']);
  assert.equal(meta.requiresDist.length, 4);
  assert.deepEqual(
    meta.requiresDist.map((r) => r.name),
    ['importlib-metadata', 'cloudpickle', 'hypothesis', 'mypy'],
  );
  assert.equal(isStaticRequiresDist(meta), true);
});

test('reads Metadata-Version 2.4 with license files, extras, unknown fields and a piped Description', () => {
  const meta = parseFixture('pyvouch-demo-0.9.0.METADATA');
  assert.equal(meta.metadataVersion, '2.4');
  assert.equal(meta.name, 'pyvouch_demo');
  assert.equal(meta.canonicalName, 'pyvouch-demo');
  assert.equal(meta.version, '0.9.0rc1');
  assert.equal(meta.licenseExpression, 'Apache-2.0 OR MIT');
  assert.deepEqual(meta.licenseFiles, ['LICENSE-APACHE', 'LICENSE-MIT', 'licenses/vendored/LICENSE.txt']);
  assert.equal(meta.requiresPython, new SpecifierSet('>=3.10,<4').toString());
  assert.deepEqual(meta.providesExtra, ['test', 'docs']);
  assert.deepEqual(meta.importNames, ['pyvouch_demo']);
  assert.equal(meta.requiresDist.length, 4);
  assert.deepEqual([...meta.requiresDist[0]!.extras], ['http2']);
  assert.deepEqual(meta.extraFields, { 'X-Build-Backend': ['hatchling 1.26.3', 'pyvouch-test'] });
  assert.equal(meta.description, 'Demo\n====\n\n    indented code\n\nThe end.');
  assert.equal(isStaticRequiresDist(meta), true);
});

test('reports every bad field, each naming the field and quoting its value', () => {
  const err = parseError(fixture('broken-many.METADATA'), 'broken-many.METADATA');
  const problems = err.problems.map((p) => [p.path, p.line]);
  assert.deepEqual(problems, [
    ['Name', undefined],
    ['Version', 3],
    ['Requires-Dist', 5],
    ['Requires-Dist', 6],
    ['Requires-Python', 7],
    ['Dynamic', 8],
    ['Provides-Extra', 10],
  ]);
  // The headline is the first problem, and says there are more.
  assert.equal(err.path, 'Name');
  assert.match(err.message, /Name is missing/);
  assert.match(err.message, /6 more problems/);
  const messages = err.problems.map((p) => p.message);
  assert.match(messages[1]!, /'1\.0\.x'/);
  assert.match(messages[2]!, /'urllib3 >='/);
  assert.match(messages[3]!, /'idna \(>=2\.5'/);
  assert.match(messages[4]!, /'>=3\.8\.\*'/);
  assert.match(messages[5]!, /'Version'.*may not be dynamic/);
  assert.match(messages[6]!, /'-bad-'/);
  assert.ok(err.problems.every((p) => p.file === 'broken-many.METADATA'));
  assert.ok(err.help !== undefined);
  // describe() lists every problem with its place.
  assert.match(err.describe(), /broken-many\.METADATA:7: Requires-Python:/);
});

test('rejects an unknown Metadata-Version major', () => {
  const err = parseError(fixture('future-3.0.METADATA'));
  assert.equal(err.problems.length, 1);
  assert.equal(err.path, 'Metadata-Version');
  assert.equal(err.line, 1);
  assert.match(err.message, /'3\.0'/);
});

test('rejects a header line that is not a field', () => {
  const err = parseError(fixture('no-header-separator.PKG-INFO'));
  assert.equal(err.line, 4);
  assert.match(err.message, /this line is not a field/);
});

test('requires Metadata-Version, Name and Version', () => {
  const err = parseError('Summary: nothing else\n');
  assert.deepEqual(
    err.problems.map((p) => p.path),
    ['Metadata-Version', 'Name', 'Version'],
  );
  assert.match(err.message, /Metadata-Version is missing/);
});

test('refuses Dynamic for the identifying fields and for fields that do not exist', () => {
  const err = parseError(
    'Metadata-Version: 2.2\nName: x\nVersion: 1\nDynamic: Name\nDynamic: metadata-version\nDynamic: Summary\nDynamic: Colour\n',
  );
  assert.deepEqual(
    err.problems.map((p) => [p.path, p.line]),
    [
      ['Dynamic', 4],
      ['Dynamic', 5],
      ['Dynamic', 7],
    ],
  );
  assert.match(err.problems[0]!.message, /'Name'/);
  assert.match(err.problems[2]!.message, /'Colour'.*not a core metadata field/);
});

test('refuses a single-use field repeated with another value, and other ambiguities', () => {
  const twice = parseError('Metadata-Version: 2.1\nName: x\nVersion: 1.0\nVersion: 2.0\n');
  assert.equal(twice.path, 'Version');
  assert.equal(twice.line, 4);
  assert.match(twice.message, /'1\.0', '2\.0'/);
  // The same value twice is harmless.
  assert.equal(parseCoreMetadata('Metadata-Version: 2.1\nName: x\nVersion: 1.0\nVersion: 1.0\n').version, '1.0');

  const both = parseError('Metadata-Version: 2.1\nName: x\nVersion: 1\nDescription: short\n\nlong body\n');
  assert.equal(both.path, 'Description');
  assert.equal(both.line, 6);

  const orphan = parseError('  indented first line\nMetadata-Version: 2.1\nName: x\nVersion: 1\n');
  assert.equal(orphan.line, 1);

  const licenses = parseError(
    'Metadata-Version: 2.4\nName: x\nVersion: 1\nLicense-File: ../LICENSE\nLicense-File: /etc/passwd\nLicense-File: a\\b\nLicense-File: ok/LICENSE\n',
  );
  assert.deepEqual(
    licenses.problems.map((p) => p.line),
    [4, 5, 6],
  );

  const name = parseError('Metadata-Version: 2.1\nName: -x-\nVersion: 1\n');
  assert.equal(name.path, 'Name');
});

test('reads CRLF line endings, a byte-order mark, folded fields and case-insensitive field names', () => {
  const text =
    '\uFEFFmetadata-version: 2.1\r\nNAME: Folded\r\nversion: 01.02\r\nRequires-Dist: requests\r\n  >=2.0\r\nSummary: one\r\n   line\r\nx-custom: a\r\nX-Custom: b\r\n';
  const meta = parseCoreMetadata(text);
  assert.equal(meta.metadataVersion, '2.1');
  assert.equal(meta.name, 'Folded');
  assert.equal(meta.version, '1.2');
  assert.equal(meta.summary, 'one line');
  assert.equal(meta.requiresDist.length, 1);
  assert.equal(meta.requiresDist[0]!.name, 'requests');
  assert.deepEqual(meta.extraFields, { 'x-custom': ['a', 'b'] });
  assert.equal(meta.description, undefined);
});

test('isStaticRequiresDist follows Metadata-Version and Dynamic', () => {
  assert.equal(isStaticRequiresDist({ metadataVersion: '2.2', dynamic: [] }), true);
  assert.equal(isStaticRequiresDist({ metadataVersion: '2.4', dynamic: ['license'] }), true);
  assert.equal(isStaticRequiresDist({ metadataVersion: '2.2', dynamic: ['requires-dist'] }), false);
  assert.equal(isStaticRequiresDist({ metadataVersion: '2.1', dynamic: [] }), false);
  assert.equal(isStaticRequiresDist({ metadataVersion: '1.2', dynamic: [] }), false);
  assert.equal(isStaticRequiresDist({ metadataVersion: 'x', dynamic: [] }), false);
});
