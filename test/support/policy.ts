// The seed policy's parties (the README's example: PyPI, a curator, an internal team) as TOML
// text, for the trust tests and the policy benchmark: one generator, so both weigh the same policy.

/** `[policy]` at threshold 5.5 for safe-to-deploy, and the three parties with these identities. */
export function seedPolicyText(curator: string, members: readonly string[]): string {
  return `[policy]
threshold = 5.5
criteria = "safe-to-deploy"

[[party]]
name = "pypi"
index = "https://pypi.org/simple"
weight = 0.5

[[party]]
name = "curator"
identity = "${curator}"
weight = 1.0

[[party]]
name = "internal"
identities = [${members.map((m) => `"${m}"`).join(', ')}]
weight = 2.0
`;
}
