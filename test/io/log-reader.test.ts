// Connector stderr lines read as Flow reads them, and printed readably.
import t from 'tap'
import { formatLog, LogLines, parseLogLine } from '../../lib/io/log-reader.ts'

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

t.test('unstructured lines that come together are one event; a structured line or a pause starts another', async (t) => {
  const events: unknown[] = []
  const logs = new LogLines((log) => events.push(log))
  logs.push('Error: connection refused')
  logs.push('    at connect (main.js:3:9)')
  logs.push('')
  logs.push('{"level":"info","message":"retrying"}')
  logs.push('plain again')
  t.same(events, [
    { level: 'error', message: 'Error: connection refused\n    at connect (main.js:3:9)', fields: {} },
    { level: 'info', message: 'retrying', fields: {} },
  ])
  t.equal(events.length, 2, 'an unstructured line is held for what may follow it')
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.same(events.at(-1), { level: 'warn', message: 'plain again', fields: {} }, 'held lines go out after a pause')
  logs.push('next read')
  logs.flush()
  t.same(events.at(-1), { level: 'warn', message: 'next read', fields: {} }, 'flush emits what is held')
  t.equal(events.length, 4)
  for (let i = 0; i < 450; i++) logs.push(`line ${i}`)
  logs.flush()
  t.same(events.slice(4).map((e) => (e as { message: string }).message.split('\n').length), [200, 200, 50], 'at most 200 lines to an event')
})
