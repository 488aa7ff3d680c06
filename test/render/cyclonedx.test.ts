// CycloneDX output of `check`: the bundled example rendered as an SBOM, validated against the
// official CycloneDX 1.6 JSON schema (shipped with @cyclonedx/cyclonedx-library), with each
// component's verdict and the statements that counted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as CDX from '@cyclonedx/cyclonedx-library';
import { checkToCycloneDx } from '../../src/render/cyclonedx.js';
import { exampleContext } from './helpers.js';

interface Doc {
  bomFormat: string;
  specVersion: string;
  metadata: { properties: { name: string; value: string }[] };
  components: { name: string; purl: string; 'bom-ref': string; properties?: { name: string; value: string }[]; externalReferences?: { hashes?: { alg: string; content: string }[] }[] }[];
  dependencies: { ref: string; dependsOn?: string[] }[];
}

test('check --format cyclonedx validates against the CycloneDX 1.6 JSON schema', async () => {
  const json = checkToCycloneDx(await exampleContext(), { toolVersion: '0.0.0-test' });
  const error: unknown = await new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6).validate(json);
  assert.equal(error, null, JSON.stringify(error, null, 2));
});

test('each component carries its purl, sha256 hashes, verdict, score and the statements that counted', async () => {
  const ctx = await exampleContext();
  const doc = JSON.parse(checkToCycloneDx(ctx, { toolVersion: '0.0.0-test' })) as Doc;
  assert.equal(doc.bomFormat, 'CycloneDX');
  assert.equal(doc.specVersion, '1.6');
  assert.equal(doc.components.length, ctx.graph.nodes.length);
  const props = (name: string): Map<string, string[]> => {
    const c = doc.components.find((x) => x.name === name);
    assert.ok(c, `component ${name}`);
    const m = new Map<string, string[]>();
    for (const p of c.properties ?? []) m.set(p.name, [...(m.get(p.name) ?? []), p.value]);
    return m;
  };
  for (const node of ctx.report.nodes) {
    const p = props(node.name);
    assert.deepEqual(p.get('pyvouch:verdict'), [node.verdict], node.name);
    const counted = node.contributions.map((c) => c.statement).filter((s): s is string => s !== null);
    assert.deepEqual((p.get('pyvouch:statement') ?? []).sort(), [...counted].sort(), node.name);
  }
  const failing = ctx.report.nodes.filter((n) => n.verdict === 'fail');
  assert.ok(failing.length > 0, 'the example has a failing package');
  for (const n of failing) assert.ok((props(n.name).get('pyvouch:missing') ?? []).length > 0);
  // Every locked sha256 of the graph appears in the SBOM.
  const hashes = new Set(doc.components.flatMap((c) => (c.externalReferences ?? []).flatMap((r) => (r.hashes ?? []).map((h) => h.content))));
  for (const node of ctx.graph.nodes) for (const a of node.artifacts) if (a.sha256 !== undefined) assert.ok(hashes.has(a.sha256), a.filename);
  assert.ok(doc.metadata.properties.some((p) => p.name === 'pyvouch:passed' && p.value === String(ctx.report.passed)));
});

test('the dependency tree follows the graph edges', async () => {
  const ctx = await exampleContext();
  const doc = JSON.parse(checkToCycloneDx(ctx, { toolVersion: '0.0.0-test' })) as Doc;
  const refOf = new Map(doc.components.map((c) => [c.name, c['bom-ref']]));
  for (const e of ctx.graph.edges) {
    const dep = doc.dependencies.find((d) => d.ref === refOf.get(e.from));
    assert.ok(dep?.dependsOn?.includes(refOf.get(e.to)!), `${e.from} -> ${e.to}`);
  }
});

test('the schema check is live: a component without a name is refused', async () => {
  const doc = JSON.parse(checkToCycloneDx(await exampleContext(), { toolVersion: '0.0.0-test' })) as { components: Record<string, unknown>[] };
  delete doc.components[0]!.name;
  const error: unknown = await new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6).validate(JSON.stringify(doc));
  assert.notEqual(error, null);
});
