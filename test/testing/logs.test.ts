// Connector stderr lines read as Flow reads them, and printed readably.
import t from 'tap'
import { formatLog, parseLogLine } from '../../lib/testing/logs.ts'

t.test('structured lines in the shapes connectors write', async (t) => {
  t.same(parseLogLine('{"ts":"2026-01-01T00:00:00Z","level":"info","message":"hi","fields":{"a":1}}'), { level: 'info', message: 'hi', fields: { a: 1 }, ts: '2026-01-01T00:00:00Z' })
  t.same(parseLogLine('{"level":"warning","msg":"slow","time":"t","table":"x"}'), { level: 'warn', message: 'slow', fields: { table: 'x' }, ts: 't' })
  t.same(parseLogLine('{"level":"INFO","msg":"cdk","fields":{"eventType":"connectorStatus"}}'), { level: 'info', message: 'cdk', fields: { eventType: 'connectorStatus' } })
  t.same(parseLogLine('{"lvl":"FATAL","message":"","fields":{"msg":"promoted"}}'), { level: 'error', message: 'promoted', fields: {} })
  t.same(parseLogLine('{"message":"request failed"}'), { level: 'error', message: 'request failed', fields: {} }, 'no level: guessed from the words')
})

t.test('anything else is unstructured text', async (t) => {
  t.same(parseLogLine('{"level":"CRITICAL","message":"x"}'), { level: 'warn', message: '{"level":"CRITICAL","message":"x"}', fields: {} })
  t.same(parseLogLine('Traceback: unable to connect\r'), { level: 'error', message: 'Traceback: unable to connect', fields: {} })
  t.same(parseLogLine('starting'), { level: 'warn', message: 'starting', fields: {} })
  t.equal(parseLogLine('   '), undefined)
})

t.test('readable form', async (t) => {
  t.equal(formatLog({ level: 'info', message: 'opened', fields: { n: 2 } }), 'INFO opened {"n":2}\n')
  t.equal(formatLog({ level: 'error', message: 'boom', fields: {} }), 'ERROR boom\n')
})
