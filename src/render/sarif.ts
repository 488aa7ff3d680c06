// SARIF 2.1.0 output of `pyvouch check`: one result per failing package, located at the lock file
// line that pins it, so GitHub code scanning annotates the lock file.
import { formatNumber } from '../trust/report.js';
import { describeTargets, type CheckContext } from './check.js';

const RULES = [
  {
    id: 'PV001',
    name: 'UntrustedPackage',
    shortDescription: { text: 'A locked package does not meet the trust policy' },
    fullDescription: {
      text: 'The signed statements about this exact release (reviews, audits, votes, the index) do not reach the policy threshold, or a required party has not vouched for it.',
    },
    help: { text: 'Review the package and record it with `pyvouch review NAME==VERSION --criteria CRITERIA`, or add an exemption with a reason.' },
    defaultConfiguration: { level: 'error' },
  },
  {
    id: 'PV002',
    name: 'VetoedPackage',
    shortDescription: { text: 'A locked package carries a vetoing negative finding' },
    fullDescription: { text: 'A trusted party flagged this exact release (for example as malicious); no score outweighs a veto.' },
    help: { text: 'Replace the package or the version; if the finding is wrong, its author must withdraw it.' },
    defaultConfiguration: { level: 'error' },
  },
] as const;

export interface SarifOptions {
  /** The lock file line that pins `name==version`, when it can be found. */
  locate?: (name: string, version: string) => number | undefined;
  toolVersion: string;
}

export function checkToSarif(ctx: CheckContext, opts: SarifOptions): object {
  const uri = ctx.graph.source.path ?? ctx.graph.source.format;
  const results = ctx.report.nodes
    .filter((n) => n.verdict === 'fail')
    .map((n) => {
      const veto = n.missing.find((m) => m.kind === 'veto');
      const line = opts.locate?.(n.name, n.version);
      const why = n.missing.map((m) => m.message).join('; ');
      // PEP 740 trusted publishers whose verified provenance counted (src/app/provenance-source.ts).
      const on = ctx.targets?.nodes[`${n.name}==${n.version}`];
      const where = on === undefined ? '' : ` on ${describeTargets(on.failsOn, ctx.targets!.labels)}`;
      const publishers = [...new Set(n.contributions.filter((c) => c.kind === 'publisher').map((c) => c.agent))];
      return {
        ruleId: veto !== undefined ? 'PV002' : 'PV001',
        ruleIndex: veto !== undefined ? 1 : 0,
        level: 'error',
        message: {
          text: `${n.name} ${n.version} fails the trust policy${where} (score ${formatNumber(n.score)} of ${formatNumber(n.threshold)}): ${why}${publishers.length === 0 ? '' : ` (published by ${publishers.join(', ')}, verified by Sigstore)`}`,
        },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri },
              ...(line === undefined ? {} : { region: { startLine: line } }),
            },
            logicalLocations: [{ name: `${n.name}==${n.version}`, kind: 'package' }],
          },
        ],
        partialFingerprints: { 'pyvouch/package/v1': `${n.name}==${n.version}` },
        properties: {
          package: n.name,
          version: n.version,
          score: n.score,
          threshold: n.threshold,
          criteria: n.criteria,
          missing: n.missing,
          ...(publishers.length === 0 ? {} : { publishers }),
          ...(on === undefined ? {} : { targets: on.on, failsOn: on.failsOn }),
        },
      };
    });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'pyvouch',
            version: opts.toolVersion,
            informationUri: 'https://github.com/pyvouch/pyvouch',
            rules: RULES,
          },
        },
        invocations: [{ executionSuccessful: true, endTimeUtc: ctx.report.evaluatedAt }],
        results,
      },
    ],
  };
}

/**
 * Finds the 1-based line of the lock file that pins a package, by the spellings the four formats
 * use (`name = "x"` followed by its version, `x==1.0`, `name: x`). Undefined when not found.
 */
export function lockLineLocator(text: string): (name: string, version: string) => number | undefined {
  const lines = text.split(/\r?\n/);
  const norm = (s: string): string => s.toLowerCase().replace(/[-_.]+/g, '-');
  return (name, version) => {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const pin = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*===?\s*([^\s;\\]+)/.exec(line);
      if (pin !== null && norm(pin[1]!) === name) return i + 1;
      const toml = /^\s*name\s*=\s*"([^"]+)"/.exec(line);
      if (toml !== null && norm(toml[1]!) === name) {
        // TOML formats: the table whose version matches (a name can appear once per version).
        for (let j = i + 1; j < Math.min(lines.length, i + 4); j++) {
          const v = /^\s*version\s*=\s*"([^"]+)"/.exec(lines[j]!);
          if (v !== null) {
            if (v[1] === version || v[1]!.replace(/^v/, '') === version) return i + 1;
            break;
          }
        }
      }
    }
    return undefined;
  };
}
