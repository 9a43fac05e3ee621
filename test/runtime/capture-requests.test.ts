// Requests built as Flow's runtime builds them from a resolved capture.
import t from 'tap'
import { captureRequest } from '../../lib/protocol/index.ts'
import type { CaptureTask } from '../../lib/runtime/catalog.ts'
import { applyRequest, captureSpecOf, encodeStateKey, openRequest, validateRequest } from '../../lib/runtime/capture-requests.ts'

const task: CaptureTask = {
  name: 'acme/c',
  endpoint: { type: 'image', image: 'ghcr.io/acme/c:v1', config: { host: 'h' } },
  bindings: [{ resource: { schema: 'public', table: 'my table' }, collection: { name: 'acme/t', key: ['/id'], writeSchema: { type: 'object' } }, backfill: 1 }],
}

t.test('state keys: the encoded resource path and the backfill counter', async (t) => {
  t.equal(encodeStateKey(['greetings'], 0), 'greetings.v1')
  t.equal(encodeStateKey(['public', 'users'], 0), 'public%2Fusers.v1')
  t.equal(encodeStateKey(['public', 'my table'], 0), 'public%2Fmy%2520table.v1')
  t.equal(encodeStateKey(['é'], 2), '%25C3%25A9.v3')
  t.equal(encodeStateKey(['a', 'b'], 0), 'a%2Fb.v1')
  t.equal(encodeStateKey(['a/b'], 0), 'a%252Fb.v1')
  t.equal(encodeStateKey(['a.v1'], 0), 'a.v1.v1')
})

t.test('Validate, Apply and Open carry the inner config and the bindings', async (t) => {
  t.equal(
    captureRequest.toJson(validateRequest(task)),
    '{"validate":{"name":"acme/c","connectorType":"IMAGE","config":{"host":"h"},"bindings":[{"resourceConfig":{"schema":"public","table":"my table"},"collection":{"name":"acme/t","key":["/id"],"writeSchema":{"type":"object"}},"backfill":1}]}}',
  )
  const spec = captureSpecOf(task, ['/schema', '/table'])
  t.same(spec.bindings?.[0]?.resourcePath, ['public', 'my table'])
  t.equal(spec.bindings?.[0]?.stateKey, 'public%2Fmy%2520table.v2')
  const apply = JSON.parse(captureRequest.toJson(applyRequest(spec)))
  const open = JSON.parse(captureRequest.toJson(openRequest(spec, { a: 1 })))
  t.equal(apply.apply.version, open.open.version, 'one version for one spec')
  t.same(open.open.range, { keyEnd: 4294967295, rClockEnd: 4294967295 })
  t.same(open.open.state, { a: 1 })
  t.throws(() => captureSpecOf(task, ['/missing']), { message: /no value at resource path pointer \/missing/ })
  t.same(captureSpecOf(task, ['/missing', '/table']).bindings?.[0]?.resourcePath, ['my table'], 'a pointer the resource config has no value at adds no component')
})
