// flowkit/testing's `checkCapture`, the checks of `flowkit check`: every check passes on a
// fixture connector that keeps the rules, and one that breaks a rule fails that check with the
// right reason, each other check passing or skipped for want of its result.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { checkCapture, type CaptureTask, type CheckResult } from '../../lib/testing/index.ts'

const CHECKS = ['spec', 'discover', 'validate', 'apply', 'session-opened', 'session-checkpoints', 'session-documents', 'resume', 'acknowledgements', 'sigterm']

const fixture = fileURLToPath(new URL('../fixtures/check/connector.mjs', import.meta.url))
const schema = { type: 'object', properties: { id: { type: 'integer' }, n: { type: 'integer' } }, required: ['id'] }

/** The fixture connector, breaking the rule `broken` names (none when empty). */
function fixtureTask(broken: string): CaptureTask {
  return {
    name: 'acmeCo/check-fixture',
    endpoint: { type: 'local', command: [process.execPath, fixture], config: { count: 6 }, env: { BREAK: broken }, protobuf: false },
    bindings: ['things', 'others'].map((name) => ({ resource: { name }, collection: { name: `acmeCo/${name}`, key: ['/id'], writeSchema: schema }, backfill: 0 })),
  }
}

const checked = (broken: string): Promise<CheckResult[]> => checkCapture(fixtureTask(broken), { ackTimeoutMs: 1000, sigtermGraceMs: 5000 })

t.test('every check passes on a connector that keeps the rules, each result reported as it comes', async (t) => {
  const reported: CheckResult[] = []
  const results = await checkCapture(fixtureTask(''), { ackTimeoutMs: 1000, onResult: (result) => reported.push(result) })
  t.same(results, reported)
  t.same(results.map((result) => result.check), CHECKS)
  for (const result of results) t.equal(result.status, 'pass', `${result.check}: ${result.reason}`)
  t.match(results.find((result) => result.check === 'resume')?.reason, /0 of the 4 of the first session's first transaction again/)
  t.match(results.find((result) => result.check === 'acknowledgements')?.reason, /^requested; 6 Acknowledge\(s\) sent/)
})

/** Each fixture breaks one rule: that check fails with the reason; the others pass, or are skipped (`skips`) for want of its result. */
const BROKEN: { broken: string; check: string; reason: RegExp; skips?: string[] }[] = [
  { broken: 'key-not-in-schema', check: 'discover', reason: /^binding 0 \(things\): key "\/uid" is not a location its document schema declares/, skips: ['validate'] },
  { broken: 'duplicate-paths', check: 'validate', reason: /^bindings 0 and 1 have the same resource path \["same"\]$/ },
  {
    broken: 'not-opened',
    check: 'session-opened',
    reason: /^session 1: connector protocol error: the first response to Open must be Opened, not captured/,
    skips: ['session-checkpoints', 'session-documents', 'resume', 'acknowledgements'],
  },
  { broken: 'no-state', check: 'session-checkpoints', reason: /^session 1, after 0 committed transaction\(s\): connector protocol error: a checkpoint must carry a state/, skips: ['resume'] },
  { broken: 'bad-document', check: 'session-documents', reason: /^session 1: document for acmeCo\/things \(binding 0\) with key \[3\] does not match its schema: \/n: must be integer/ },
  { broken: 'ignore-state', check: 'resume', reason: /^the second session, opened with the first one's state \{"cursor":6\}, committed again all 4 document\(s\) of the first session's first transaction: it started over/ },
  { broken: 'deaf', check: 'acknowledgements', reason: /^session 1: .*the connector requested acknowledgements but is not processing its input: an Acknowledge was not taken within 1 s/, skips: ['resume'] },
  { broken: 'partial-frame', check: 'sigterm', reason: /^after SIGTERM the connector's output ended inside a frame: ndjson input ended inside line \d+/ },
]

// The fixtures run at once, too: most of a check's time is spent starting processes and waiting.
const runs = new Map(BROKEN.map(({ broken }) => [broken, checked(broken)]))

for (const { broken, check, reason, skips = [] } of BROKEN) {
  t.test(`a connector that breaks ${broken} fails ${check}, and only it`, async (t) => {
    const results = await (runs.get(broken) as Promise<CheckResult[]>)
    const failing = results.find((result) => result.check === check)
    t.equal(failing?.status, 'fail', failing?.reason ?? 'no result')
    t.match(failing?.reason, reason)
    for (const result of results.filter((result) => result.check !== check)) {
      t.equal(result.status, skips.includes(result.check) ? 'skip' : 'pass', `${result.check}: ${result.reason}`)
    }
  })
}

