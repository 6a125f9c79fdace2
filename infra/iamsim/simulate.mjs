// Decides a batch of IAM requests offline, the way AWS would, for
// infra/policy_simulation_test.go. One process for the whole batch: the
// action and condition-key data loads once.
//
// stdin:  [{"name", "principal", "identityPolicies": [{"name","policy"}],
//          "permissionsBoundary": policy|null, "resourcePolicy": policy|null,
//          "action", "resource", "accountId", "context": {key: string|[string]}}]
// stdout: [{"name", "decision", "deciders": ["policy/Sid" | "implicit"], "errors"}]
import { getDenialReasons, getGrantReasons, runSimulation } from '@cloud-copilot/iam-simulate'

function describeGrant(grant) {
  return `${grant.policyIdentifier ?? grant.policyType}/${grant.statementId ?? `#${grant.statementIndex}`}`
}

function describeDenial(denial) {
  if (denial.denialType === 'Implicit') return `implicit:${denial.policyType}`
  return `${denial.policyIdentifier ?? denial.policyType}/${denial.statementId ?? `#${denial.statementIndex}`}`
}

async function decide(testCase) {
  const simulation = {
    request: {
      principal: testCase.principal,
      action: testCase.action,
      resource: { resource: testCase.resource, accountId: testCase.accountId },
      contextVariables: testCase.context ?? {},
    },
    identityPolicies: testCase.identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: testCase.resourcePolicy ?? undefined,
    permissionBoundaryPolicies: testCase.permissionsBoundary
      ? [{ name: 'boundary', policy: testCase.permissionsBoundary }]
      : undefined,
  }
  const result = await runSimulation(simulation, {})
  if (result.resultType === 'error') {
    return { name: testCase.name, decision: 'Error', deciders: [], errors: result.errors }
  }
  const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis
  const decision = result.overallResult
  if (!analysis) {
    // A "*" resource for an action that takes a narrower one, matched by no
    // resource pattern of any policy: nothing was simulated, nothing allows.
    return { name: testCase.name, decision, deciders: ['implicit:identity'] }
  }
  const deciders = decision === 'Allowed'
    ? getGrantReasons(analysis).map(describeGrant)
    : getDenialReasons(analysis).map(describeDenial)
  return { name: testCase.name, decision, deciders }
}

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
let cases
try {
  cases = JSON.parse(Buffer.concat(chunks).toString('utf8'))
} catch (error) {
  process.stderr.write(`simulate.mjs: stdin is not a JSON array of cases: ${error.message}\n`)
  process.exit(2)
}
const results = []
for (const testCase of cases) results.push(await decide(testCase))
process.stdout.write(JSON.stringify(results) + '\n')
