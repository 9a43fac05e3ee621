import { bundled } from './bundle.ts'
import { connectorScript, runSession } from './connector-session.ts'
const script = process.argv[2]!
const codec = (process.argv[3] ?? 'json') as 'json' | 'proto'
const r = await runSession({ script: bundled(connectorScript(script)), tsx: false, codec, documents: 1_000_000, nodeArgs: ['--cpu-prof', '--cpu-prof-dir=/tmp/prof/' + script] })
console.log(script, Math.round(r.docs / r.seconds))
