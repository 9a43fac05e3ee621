// Secrets kept out of a foreign connector's logs.
import t from 'tap'
import { createLogger } from '../../lib/io/log.ts'
import { redactingLogger } from '../../lib/io/redact.ts'

t.test('redactingLogger scrubs secrets from messages, fields and keys without breaking the fields, whatever the secret', async (t) => {
  const lines: string[] = []
  const logger = redactingLogger(createLogger({ level: 'info', write: (line) => void lines.push(line) }), ['5432', 'true', 'hunter2', 'abc'])
  logger.info('connect to db:5432 with hunter2', { port: 5432, secure: true, note: 'hunter2 is true', nested: [{ hunter2: 'x' }], short: 'abc' })
  const logged = JSON.parse(lines[0] as string)
  t.equal(logged.message, 'connect to db:[redacted] with [redacted]')
  t.same(logged.fields, { port: 5432, secure: true, note: '[redacted] is [redacted]', nested: [{ '[redacted]': 'x' }], short: 'abc' }, 'numbers and booleans stay; texts shorter than 4 are not secrets')
})
