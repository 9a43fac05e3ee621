// flowkit/airbyte in code: the hooks an author adjusts a source with, on the connector object
// itself (the fixture source still runs as a child process).
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { createLogger } from '../../lib/io/log.ts'
import type { CaptureEvent } from '../../lib/ops/events.ts'
import { airbyteCapture } from '../../lib/shims/airbyte/index.ts'

const fixture = fileURLToPath(new URL('../fixtures/airbyte/source.py', import.meta.url))
const lines: string[] = []
const logger = createLogger({ level: 'debug', write: (line) => void lines.push(line) })

t.test('spec patches, stream selection, key overrides and a document transform', async (t) => {
  const connector = airbyteCapture({
    command: ['python3', fixture],
    spec: { config: { properties: { count: { maximum: 10 } } }, documentationUrl: 'https://example.com/mine' },
    streams: { omit: ['dotted'], keys: { events: ['/n'] } },
    transform: (doc, binding) => ({ ...doc, binding }),
  })
  const spec = (await connector.spec(logger)).spec
  t.same(JSON.parse(spec?.configSchemaJson ?? '').properties.count, { type: 'integer', default: 5, maximum: 10 }, 'the config schema, patched')
  t.equal(spec?.documentationUrl, 'https://example.com/mine')

  const discovered = (await connector.discover({ configJson: '{"api_key":"k"}' }, logger)).discovered?.bindings ?? []
  t.same(discovered.map((b) => [b.recommendedName, b.key, b.isFallbackKey ?? false]), [['users', ['/id'], false], ['events', ['/n'], false]])

  const open = {
    capture: {
      name: 'acmeCo/lib',
      configJson: JSON.stringify({ api_key: 'k', count: 2, every: 2 }),
      bindings: [
        { resourceConfigJson: '{"stream":"users","syncMode":"incremental"}', collection: { name: 'a', key: ['/id'] }, stateKey: 'users' },
        { resourceConfigJson: '{"stream":"events","syncMode":"full_refresh"}', collection: { name: 'b', key: ['/n'] }, stateKey: 'events' },
      ],
    },
    stateJson: '{}',
  }
  const session = await connector.open(open, new AbortController().signal, logger)
  t.same(session.resourcePaths, [['users'], ['events']])
  t.same(session.redactedConfig, { api_key: '[redacted]', count: 2, every: 2 })
  const events: CaptureEvent[] = []
  for await (const item of session.events) events.push(...(Array.isArray(item) ? item : [item]))
  const documents = events.flatMap((event) => (event.type === 'document' ? [event.doc] : []))
  t.same(documents, [
    { id: 1, updated: '2026-01-02', binding: 0 },
    { id: 2, updated: '2026-01-03', binding: 0 },
    { n: 1, binding: 1 },
    { n: 2, binding: 1 },
  ])
  t.equal(events.filter((event) => event.type === 'checkpoint').length, 2, 'a checkpoint per STATE; no row ids to keep')
})

t.test('a source needs a command or a source object', async (t) => {
  t.throws(() => airbyteCapture({}), { code: 'CONFIG_INVALID' })
})
