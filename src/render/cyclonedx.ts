// `check --format cyclonedx`: the checked graph as a CycloneDX 1.6 JSON SBOM (components with purl
// and sha256 hashes, the dependency tree), each component carrying its pyvouch verdict, score and
// the statements that counted as `pyvouch:*` properties (docs/cyclonedx.md lists them). Built with
// the OWASP @cyclonedx/cyclonedx-library models and serializer, so the output follows the spec's
// normalisation rules rather than a hand-written shape.
import * as CDX from '@cyclonedx/cyclonedx-library';
import type { Artifact, GraphNode } from '../graph/graph.js';
import { formatNumber, type NodeReport } from '../trust/report.js';
import type { CheckContext } from './check.js';

export interface CycloneDxOptions {
  toolVersion: string;
}

const PURL_TYPE = 'pypi';

/** `pkg:pypi/name@version` (PEP 503 names are already purl-safe apart from the version's `+`). */
function purlOf(node: GraphNode): string {
  return `pkg:${PURL_TYPE}/${node.name}@${encodeURIComponent(node.version)}`;
}

function prop(name: string, value: string): CDX.Models.Property {
  return new CDX.Models.Property(`pyvouch:${name}`, value);
}

function sha256Of(artifact: Artifact): CDX.Models.HashDictionary {
  const hashes = new CDX.Models.HashDictionary();
  if (artifact.sha256 !== undefined) hashes.set(CDX.Enums.HashAlgorithm['SHA-256'], artifact.sha256);
  return hashes;
}

function verdictProperties(report: NodeReport | undefined): CDX.Models.Property[] {
  if (report === undefined) return [prop('verdict', 'unchecked')];
  const props = [
    prop('verdict', report.verdict),
    prop('closure', report.closure),
    prop('score', formatNumber(report.score)),
    prop('threshold', formatNumber(report.threshold)),
    prop('criteria', report.criteria.join(',')),
  ];
  for (const c of report.contributions) {
    // One property per contribution: which party, through which identity and statement, for how much.
    props.push(prop('contribution', `${c.party} ${formatNumber(c.weight)} ${c.agent}${c.statement === null ? '' : ` ${c.statement}`}`));
    if (c.statement !== null) props.push(prop('statement', c.statement));
  }
  if (report.verdict !== 'pass') for (const m of report.missing) props.push(prop('missing', m.message));
  if (report.exemption !== undefined) props.push(prop('exemption', report.exemption.reason));
  if (report.closurePath !== undefined) props.push(prop('closure-path', report.closurePath.join(' -> ')));
  return props;
}

function componentFor(node: GraphNode, report: NodeReport | undefined): CDX.Models.Component {
  const component = new CDX.Models.Component(CDX.Enums.ComponentType.Library, node.name, {
    bomRef: purlOf(node),
    version: node.version,
    purl: purlOf(node),
  });
  const files = node.artifacts;
  const only = files.length === 1 ? files[0] : undefined;
  if (only?.sha256 !== undefined) component.hashes.set(CDX.Enums.HashAlgorithm['SHA-256'], only.sha256);
  // A release installs from one of its files; every file the target could take is listed with
  // its own sha256, so a consumer can match whichever one was downloaded.
  for (const a of files) {
    component.externalReferences.add(
      new CDX.Models.ExternalReference(a.url ?? a.filename, CDX.Enums.ExternalReferenceType.Distribution, {
        hashes: sha256Of(a),
        comment: a.filename,
      }),
    );
  }
  for (const p of verdictProperties(report)) component.properties.add(p);
  return component;
}

/** The CycloneDX 1.6 JSON document for a checked graph (deterministic: no serial number). */
export function checkToCycloneDx(ctx: CheckContext, opts: CycloneDxOptions): string {
  const { graph, report } = ctx;
  const bom = new CDX.Models.Bom();
  bom.metadata.timestamp = new Date(report.evaluatedAt);
  bom.metadata.tools.components.add(
    new CDX.Models.Component(CDX.Enums.ComponentType.Application, 'pyvouch', { version: opts.toolVersion }),
  );
  const root = new CDX.Models.Component(CDX.Enums.ComponentType.Application, graph.source.path ?? graph.source.format, {
    bomRef: 'pyvouch:root',
  });
  bom.metadata.component = root;
  const env = graph.environment;
  for (const p of [
    prop('passed', String(report.passed)),
    prop('evaluated-at', report.evaluatedAt),
    prop('source-format', graph.source.format),
    prop('target', `${env.implementation} ${env.python} ${env.platform} ${env.machine}`),
    prop('threshold', formatNumber(report.threshold)),
    prop('criteria', report.criteria.join(',')),
    prop('statements', String(ctx.statements)),
    ...(ctx.policyFile === undefined ? [] : [prop('policy', ctx.policyFile)]),
  ]) bom.metadata.properties.add(p);

  const reports = new Map(report.nodes.map((n) => [n.name, n]));
  const components = new Map<string, CDX.Models.Component>();
  for (const node of graph.nodes) {
    const c = componentFor(node, reports.get(node.name));
    components.set(node.name, c);
    bom.components.add(c);
  }
  for (const e of graph.edges) {
    const from = components.get(e.from);
    const to = components.get(e.to);
    if (from !== undefined && to !== undefined) from.dependencies.add(to.bomRef);
  }
  for (const r of graph.roots) {
    const c = components.get(r);
    if (c !== undefined) root.dependencies.add(c.bomRef);
  }
  const serializer = new CDX.Serialize.JsonSerializer(new CDX.Serialize.JSON.Normalize.Factory(CDX.Spec.Spec1dot6));
  return serializer.serialize(bom, { sortLists: true, space: 2 });
}
