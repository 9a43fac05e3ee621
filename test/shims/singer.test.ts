// The Singer shim, run as Flow runs it: `flowkit shim singer -- python3 tap.py FLAVOR` spawned
// through flowkit's runtime driver in both codecs, against a fixture tap that behaves like
// singer-io/tap-postgres (legacy) or a Meltano SDK tap (sdk). Each test runs its codecs side
// by side; every session also checks that the tap is gone when it ends.
import t from 'tap'
import type { Test } from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { Buffer } from 'node:buffer'
import { parseShimArgs } from '../../lib/cli/shim.ts'
import { apply, discover, spec, validate } from '../../lib/runtime/capture-rpc.ts'
import type { CaptureTask } from '../../lib/runtime/catalog.ts'
import { batchFiles, batchRecords } from '../../lib/shims/singer/batch.ts'
import { parseSingerMessage as parseSingerBytes } from '../../lib/shims/singer/messages.ts'
import { selectedCatalog } from '../../lib/shims/singer/selection.ts'
import { configSecrets } from '../../lib/shims/singer/spec.ts'
import { catalogFlagsFromHelp, commandTap } from '../../lib/shims/singer/tap.ts'
import { runCli } from '../helpers/cli.ts'
import { bindingsOf, codecName, codecs, python, tapPath, withDiscovered, exited, filesRemain, hookCapture, logText, runSession, shimTask, type Session } from '../fixtures/singer/harness.ts'

const dir = mkdtempSync(join(tmpdir(), 'flowkit-singer-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const pidFile = (name: string) => join(dir, `${name}.pid`)
const SAD = '\u{1F600}'

/** Runs `check` for each codec at once, with the codec's name for messages. */
const bothCodecs = (check: (protobuf: boolean, name: string) => Promise<void>) => Promise.all(codecs.map((protobuf) => check(protobuf, codecName(protobuf))))

const ids = (docs: Record<string, unknown>[] | undefined, field: string) => (docs ?? []).map((doc) => doc[field])
const rowIds = (docs: Record<string, unknown>[] | undefined) => (docs ?? []).map((doc) => (doc._meta as { row_id: number }).row_id)
const versions = (session: Session, stream: string) => session.logs.filter((log) => log.message === 'the tap activated a version of a stream' && log.fields.stream === stream).map((log) => log.fields.version)

t.test('a legacy tap (like tap-postgres): spec, discover, validate, apply and two sessions', async (t) => {
  const config = { database: 'demo-db-name', password: 'hunter2-secret', rows: 3 }
  await bothCodecs(async (protobuf, codec) => {
    const bare = shimTask('legacy', { ...config, pid_file: pidFile(`legacy-${codec}`) }, protobuf)
    const specified = (await spec(bare)).spec
    t.same(JSON.parse(specified?.configSchemaJson ?? ''), { type: 'object' }, `${codec}: an open config schema`)
    t.same(JSON.parse(specified?.resourceConfigSchemaJson ?? '').required, ['stream', 'tapStreamId'])
    t.same(specified?.resourcePathPointers, ['/tapStreamId'])

    const discovered = (await discover(bare)).discovered?.bindings ?? []
    t.same(
      discovered.map((b) => [b.recommendedName, JSON.parse(b.resourceConfigJson ?? ''), b.key, b.isFallbackKey, b.resourcePath]),
      [
        ['demo-public-users', { stream: 'users', tapStreamId: 'demo-public-users', replicationMethod: 'INCREMENTAL', replicationKey: 'id' }, ['/id'], false, ['demo-public-users']],
        ['items', { stream: 'items', tapStreamId: 'demo-public-items', replicationMethod: 'FULL_TABLE' }, ['/_meta/row_id'], true, ['demo-public-items']],
        ['lines', { stream: 'lines', tapStreamId: 'demo-public-lines', replicationMethod: 'LOG_BASED' }, ['/order.id', '/line~1no~0x'], false, ['demo-public-lines']],
        ['demo-archive-users', { stream: 'users', tapStreamId: 'demo-archive-users', replicationMethod: 'FULL_TABLE' }, ['/id'], false, ['demo-archive-users']],
      ],
      `${codec}: a binding per entry; a shared stream name is recommended by tap_stream_id; method from valid-replication-keys, forced and plain metadata; escaped keys; the row id fallback`,
    )
    const items = JSON.parse(discovered[1]?.documentSchemaJson ?? '')
    t.same([items.required, items.properties._meta.required, Object.keys(items.properties).includes(`${SAD} mood`)], [['_meta'], ['row_id'], true])
    t.same(JSON.parse(discovered[2]?.documentSchemaJson ?? '').required, ['order.id', 'line/no~x'])

    const task = { ...bare, bindings: bindingsOf(discovered, ['demo-public-users', 'demo-public-items', 'demo-public-lines']) }
    t.same((await validate(task)).validated?.bindings?.map((b) => b.resourcePath), [['demo-public-users'], ['demo-public-items'], ['demo-public-lines']])
    t.same((await apply(task)).applied, { actionDescription: '' })

    const first = await runSession(task, {})
    checkLegacyFirst(t, first, codec)
    t.ok(exited(pidFile(`legacy-${codec}`)), `${codec}: the tap of session 1 is gone`)
    const second = await runSession({ ...task, endpoint: { ...task.endpoint, config: { ...config, rows: 5, pid_file: pidFile(`legacy-${codec}`) } } as CaptureTask['endpoint'] }, first.result.state)
    checkLegacySecond(t, first, second, codec)
    t.ok(exited(pidFile(`legacy-${codec}`)), `${codec}: the tap of session 2 is gone`)
  })
})

function checkLegacyFirst(t: Test, session: Session, codec: string) {
  const [users, items, lines] = session.docs
  t.same(ids(users, 'id'), [1, 2, 3], `${codec}: users records (named "users") reach the demo-public-users binding`)
  t.same(items?.[0], { sku: 'A-1', 'unit price': 1.5, 'in-stock': true, '3d': 'yes', [`${SAD} mood`]: `happy ${SAD}`, _meta: { row_id: 1 } }, `${codec}: 1.50, odd names, surrogate-pair emoji`)
  t.same(rowIds(items), [1, 2, 3])
  t.same(lines?.map((doc) => [doc['order.id'], doc['line/no~x']]), [[1, 1], [2, 1], [3, 1]])
  const launch = session.tapLog('STATE_LOG')
  t.same([launch.state, launch.flags, launch.config_mode], [null, ['--config', '--catalog', '--properties'], '0o600'], `${codec}: auto gives both flags singer-python lists; no --state without a state; a private config`)
  t.notOk(filesRemain(session), `${codec}: the tap's files are removed`)
  const selection = session.tapLog('CATALOG_LOG').streams
  t.same(selection['demo-public-users'], {
    top: { selected: true, replication_method: 'INCREMENTAL', replication_key: 'id' },
    md: { selected: true, 'replication-method': 'INCREMENTAL', 'forced-replication-method': 'INCREMENTAL', 'replication-key': 'id' },
    fields: ['id', 'name', 'updated_at'],
  })
  t.same(selection['demo-public-items'].top, { selected: true, replication_method: 'FULL_TABLE', replication_key: null })
  t.same(selection['demo-archive-users'], { top: { selected: false, replication_method: null, replication_key: null }, md: { selected: false, 'replication-method': null, 'forced-replication-method': null, 'replication-key': null }, fields: [] })
  t.same(versions(session, 'users').length, 1, `${codec}: ACTIVATE_VERSION logged before the first incremental sync`)
  const itemVersions = versions(session, 'items')
  t.ok(itemVersions.length === 2 && itemVersions[0] === itemVersions[1] && typeof itemVersions[0] === 'number', `${codec}: ACTIVATE_VERSION before and after the first full-table copy`)
  t.ok(session.logs.some((log) => log.level === 'warn' && log.message.includes('not a Singer message') && log.fields.line === 'tap-fixture: connected (a stray print on stdout)'))
  const text = logText(session.logs)
  t.notOk(/hunter2-secret|demo-db-name/.test(text), `${codec}: no config string reaches the logs`)
  t.ok(session.logs.some((log) => log.level === 'info' && log.message === 'connecting to database [redacted] with password [redacted]'), `${codec}: Python "INFO " lines logged at info`)
  const midCopy = session.transactions.find((tx) => (tx.state as any).singer.bookmarks['demo-public-items']?.xmin === 2)
  t.ok(midCopy, 'a mid-copy state with xmin was committed')
  const final = session.result.state as any
  t.same(final.singer.bookmarks['demo-public-items'], { version: itemVersions[0], last_replication_method: 'FULL_TABLE' }, `${codec}: the last STATE replaced the state: no stale xmin`)
  t.ok('currently_syncing' in final.singer && final.singer.currently_syncing === null)
  t.same(Object.values(final.rowIds), [3])
  t.same(session.transactions[0]?.sourcedSchemas.map(([binding, schema]) => [binding, JSON.parse(schema).required]), [[0, ['id']]], `${codec}: SCHEMA → sourced schema`)
}

function checkLegacySecond(t: Test, first: Session, second: Session, codec: string) {
  const launch = second.tapLog('STATE_LOG')
  t.same(launch.state, (first.result.state as any).singer, `${codec}: the state handed back as the tap wrote it, nulls included`)
  t.ok(launch.flags.includes('--state'))
  const [users, items, lines] = second.docs
  t.same(ids(users, 'id'), [3, 4, 5], `${codec}: the inclusive bookmark re-emits row 3: at least once`)
  t.same(rowIds(items), [4, 5, 6], `${codec}: row ids continue from the committed counter`)
  t.same(ids(lines, 'order.id'), [4, 5])
  t.same(versions(second, 'items').length, 1, `${codec}: a later copy is activated only after it`)
  t.same(versions(second, 'users'), [], `${codec}: no new ACTIVATE_VERSION for an incremental stream that has a version`)
}

t.test('--catalog-flag catalog makes a legacy tap that reads --properties capture nothing', async (t) => {
  const bare = shimTask('legacy', { rows: 3, pid_file: pidFile('catalog-flag') }, false, ['--catalog-flag', 'catalog'])
  const task = { ...bare, bindings: [{ resource: { stream: 'users', tapStreamId: 'demo-public-users', replicationMethod: 'INCREMENTAL', replicationKey: 'id' }, collection: { name: 'acmeCo/users', key: ['/id'], writeSchema: { type: 'object' } }, backfill: 0 }] }
  const session = await runSession(task, {})
  t.same([session.result.documents, session.result.transactions], [0, 0])
  t.same(session.tapLog('STATE_LOG').flags, ['--config', '--catalog'])
  t.ok(session.logs.some((log) => log.level === 'info' && log.message === 'No properties were selected'))
  t.ok(exited(pidFile('catalog-flag')))
})

t.test('a Meltano SDK tap: --catalog only, STATE {} first, progress markers, BATCH files, row ids kept at a clean end', async (t) => {
  await bothCodecs(async (protobuf, codec) => {
    const config = { rows: 3, batch_dir: dir, pid_file: pidFile(`sdk-${codec}`) }
    const bare = shimTask('sdk', config, protobuf, ['--documentation-url', 'https://example.com/tap-sdk'])
    t.equal((await spec(bare)).spec?.documentationUrl, 'https://example.com/tap-sdk')
    const task = await withDiscovered(bare, ['users', 'events'])
    t.same(task.bindings.map((b) => [b.resource, b.collection.key]), [
      [{ stream: 'users', tapStreamId: 'users', replicationMethod: 'INCREMENTAL', replicationKey: 'updated_at' }, ['/id']],
      [{ stream: 'events', tapStreamId: 'events', replicationMethod: 'FULL_TABLE' }, ['/_meta/row_id']],
    ])
    t.same((await validate(task)).validated?.bindings?.map((b) => b.resourcePath), [['users'], ['events']])

    const first = await runSession(task, {}, { logLevel: 'debug' })
    checkSdkFirst(t, first, codec)
    const second = await runSession({ ...task, endpoint: { ...task.endpoint, config: { ...config, rows: 5 } } as CaptureTask['endpoint'] }, first.result.state)
    t.same(second.tapLog('STATE_LOG').state, (first.result.state as any).singer, `${codec}: the state handed back unchanged`)
    t.same(ids(second.docs[0], 'id'), [3, 4, 5], `${codec}: incremental from the bookmark, inclusive`)
    t.same(rowIds(second.docs[1]), [11, 12, 13, 14, 15, 16, 17, 18, 19, 20])
    t.ok(exited(pidFile(`sdk-${codec}`)))
  })
})

function checkSdkFirst(t: Test, session: Session, codec: string) {
  t.same(session.tapLog('STATE_LOG').flags, ['--config', '--catalog'], `${codec}: auto passes only --catalog (the tap rejects --properties)`)
  t.same([session.transactions[0]?.documents, session.transactions[0]?.state], [[], { singer: {} }], `${codec}: STATE {} before any SCHEMA is a checkpoint of its own`)
  const [users, events] = session.docs
  const text = session.transactions.flatMap((tx) => tx.documents).find(([binding, doc]) => binding === 0 && doc.includes('"id": 1,'))?.[1]
  t.match(text, /"balance": 1\.50,/, `${codec}: a record nothing changes is captured as the tap wrote it, never parsed`)
  t.same(users?.[2], { id: 3, name: 'user 3', updated_at: '2026-01-03T00:00:00Z', balance: 1.5, notes: 'note 3' }, `${codec}: a "Record" type is a RECORD; fields not selected by default are selected`)
  t.same(ids(events, 'n'), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], `${codec}: BATCH files' records in order between the RECORDs`)
  t.same(rowIds(events), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  const markers = session.transactions.filter((tx) => (tx.state as any).singer?.bookmarks?.users?.progress_markers)
  t.equal(markers.length, 1, `${codec}: an intermediate state with progress markers`)
  const last = session.transactions.at(-1)
  t.same(last?.state, { singer: { bookmarks: { users: { replication_key: 'updated_at', replication_key_value: '2026-01-03T00:00:00Z', starting_replication_value: null } } }, rowIds: { 'events.v1': 10 } }, `${codec}: the final STATE replaced the markers; the last checkpoint keeps the row ids`)
  t.equal(last?.documents.length, 10, `${codec}: the records after the last STATE commit at a clean end`)
  t.equal(session.logs.filter((log) => log.message.includes('stream that is not captured')).length, 1, `${codec}: one warning for the unbound stream`)
  t.ok(session.logs.some((log) => log.level === 'debug' && log.message === 'tap message ignored' && log.fields.type === 'METRIC'))
}

const sdkUsers = {
  resource: { stream: 'users', tapStreamId: 'users', replicationMethod: 'INCREMENTAL', replicationKey: 'updated_at' },
  collection: { name: 'acmeCo/users', key: ['/id'], writeSchema: { type: 'object', required: ['id'] } },
  backfill: 0,
}

t.test('a tap that crashes after a STATE: nothing after it commits, and the next session resumes from it', async (t) => {
  await bothCodecs(async (protobuf, codec) => {
    const task = shimTask('sdk', { scenario: 'crash', rows: 5, pid_file: pidFile(`crash-${codec}`) }, protobuf, [], [sdkUsers])
    const failure = await runSession(task, {}).then(
      () => undefined,
      (error: any) => error,
    )
    t.match(failure, { code: 'CONNECTOR_FAILED', message: /RuntimeError: the upstream API returned garbage/ }, `${codec}: the traceback is the error`)
    const failed: Session = failure.session
    t.same(ids(failed.docs[0], 'id'), [1, 2], `${codec}: the record after the last STATE is not committed`)
    t.ok(exited(pidFile(`crash-${codec}`)))
    const resumed = await runSession(task, failed.result.state)
    t.same(ids(resumed.docs[0], 'id'), [2, 3, 4, 5])
  })
})

t.test('a session stopped while the tap is still emitting stops the tap; an idle tap fails the session', async (t) => {
  const endless = shimTask('sdk', { scenario: 'endless', pid_file: pidFile('endless') }, true, [], [sdkUsers])
  const hang = shimTask('sdk', { scenario: 'hang', pid_file: pidFile('hang') }, false, ['--idle-timeout', '1s'], [sdkUsers])
  const stop = new AbortController()
  const stopped = runSession(endless, {}, { signal: stop.signal, onTransaction: (tx) => void (tx.documents.length > 0 && stop.abort()) }).then(
    (session) => ({ session, error: undefined }),
    (error: any) => ({ session: error.session as Session, error }),
  )
  const idle = runSession(hang, {}).then(
    () => undefined,
    (error: unknown) => error,
  )
  const { session, error } = await stopped
  t.ok(session.docs[0]!.length >= 100, `documents were committed before the stop (${session.docs[0]!.length})`)
  t.ok(exited(pidFile('endless')), 'the tap was stopped with the session')
  // The serve loop fails a session stopped inside a transaction, naming what was not committed.
  if (error !== undefined) t.match(error, { message: /documents? after the last checkpoint; they were not committed/ }, 'stopped inside a transaction')
  t.notOk(filesRemain(session), "the tap's files are removed")
  t.match(await idle, { code: 'CONNECTOR_FAILED', message: /wrote nothing for 1 s \(idle timeout\)/ })
  t.ok(exited(pidFile('hang')), 'the idle tap was stopped')
})

t.test('discover takes the stream options; validate fails for a binding whose tap_stream_id the catalog lacks, or two bindings of one stream', async (t) => {
  const bare = shimTask('legacy', { rows: 1 }, false)
  const binding = (tapStreamId: string) => ({ resource: { stream: 'users', tapStreamId }, collection: { name: `acmeCo/${tapStreamId}`, key: ['/id'], writeSchema: { type: 'object' } }, backfill: 0 })
  const chosen = shimTask('legacy', {}, true, ['--include', 'users', '--include', 'demo-public-lines', '--omit', 'demo-archive-users', '--key', 'lines=/qty'])
  const [unknown, twice, discovered] = await Promise.all([
    validate({ ...bare, bindings: [binding('demo-public-users'), binding('demo-public-nope')] }).catch((error: unknown) => error),
    validate({ ...bare, bindings: [binding('demo-public-users'), binding('demo-public-users')] }).catch((error: unknown) => error),
    discover(chosen),
  ])
  t.same(
    discovered.discovered?.bindings?.map((b) => [b.recommendedName, b.key, b.isFallbackKey]),
    [['users', ['/id'], false], ['lines', ['/qty'], false]],
    '--include by stream name or tap_stream_id, --omit, --key by stream name',
  )
  t.match(unknown, { message: /the tap's catalog has no stream with tap_stream_id "demo-public-nope" \(it has "demo-public-users", "demo-public-items", "demo-public-lines", "demo-archive-users"\)/ })
  t.match(twice, { message: /two bindings capture the stream "demo-public-users"/ })
})

t.test('flowkit/singer for an author: config schema secrets, skipRecordsWith, a transform and the onActivateVersion hook', async (t) => {
  const hookFile = join(dir, 'hook.jsonl')
  writeFileSync(hookFile, '')
  const bare: CaptureTask = {
    name: 'acmeCo/singer-hook',
    endpoint: { type: 'local', command: [process.execPath, '--import', 'tsx', hookCapture], config: { database: 'demo-db-name', password: 'hunter2-secret', rows: 2 }, env: { HOOK_FILE: hookFile, PYTHON: python }, protobuf: false },
    bindings: [],
  }
  const task = await withDiscovered(bare, ['demo-public-users', 'demo-public-items'])
  const [specified, session] = await Promise.all([spec(task), runSession(task, {})])
  t.same(JSON.parse(specified.spec?.configSchemaJson ?? '').properties.password, { type: 'string', secret: true })
  t.equal(specified.spec?.documentationUrl, 'https://example.com/tap-fixture')
  const calls = readFileSync(hookFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line))
  t.same(calls.map(({ stream, binding }) => [stream, binding]), [['users', 0], ['items', 1], ['items', 1]], 'each ACTIVATE_VERSION, in order, with its binding')
  t.ok(calls.every(({ version }) => Number.isInteger(version)))
  t.same(session.docs.map((docs) => docs.map((doc) => doc.binding)), [[0, 0], [1, 1]], 'the transform ran on every record kept')
  t.same(session.docs[1]?.map((doc) => [doc.sku, doc._meta]), [['B-2', { row_id: 1 }], ['C-3', { row_id: 2 }]], 'a record with a truthy "in-stock" is skipped, and takes no row id')
  t.same(session.tapLog('STATE_LOG').flags, ['--config', '--properties'])
  const text = logText(session.logs)
  t.ok(text.includes('connecting to database demo-db-name with password [redacted]'), 'only what the schema marks secret is redacted')
  t.notOk(text.includes('hunter2-secret'))
})

t.test('commandTap in process: discover, --help asked once, a stdout line over maxLineBytes stops the tap', async (t) => {
  const logs: string[] = []
  const at = (message: string) => void logs.push(message)
  const logger = { level: 'debug', enabled: () => true, error: at, warn: at, info: at, debug: at, trace: at } as const
  const tap = commandTap([python, tapPath, 'sdk'], 'auto', { maxLineBytes: 80 })
  const catalog = await tap.discover({}, logger)
  t.same(catalog.streams.map((entry) => entry.tap_stream_id), ['users', 'events'])
  t.same(await tap.catalogFlags(logger), ['--catalog'])
  t.same(await tap.catalogFlags(logger), ['--catalog'])
  t.equal(logs.filter((message) => message.startsWith('tap --help')).length, 0, 'its help went to stdout')
  t.equal(logs.filter((message) => message.includes("chose how to pass the catalog")).length, 1, '--help ran once')
  const pid = join(dir, 'in-process.pid')
  const sync = async () => {
    for await (const _ of tap.sync({ pid_file: pid, batch_dir: dir }, selectedCatalog(catalog, [{ stream: 'users', tapStreamId: 'users' }]), ['--catalog'], undefined, logger));
  }
  await t.rejects(sync(), { code: 'CONNECTOR_FAILED', message: /wrote a line too long to read: .* 80 bytes/ })
  t.ok(exited(pid), 'the tap is stopped')
})

t.test('how a sync is given its catalog, from the help text', async (t) => {
  t.same(catalogFlagsFromHelp('usage: tap [-h] -c CONFIG [-s STATE] [-p PROPERTIES] [-d]\n  -p PROPERTIES, --properties PROPERTIES'), ['--properties'])
  t.same(catalogFlagsFromHelp('Options:\n  --catalog PATH  Use a Singer catalog file with the tap.'), ['--catalog'])
  t.same(catalogFlagsFromHelp('  -p PROPERTIES, --properties PROPERTIES\n  --catalog CATALOG  Catalog file'), ['--catalog', '--properties'])
  t.same(catalogFlagsFromHelp('  --catalog-file F   not the catalog flag\n'), ['--properties'])
  t.same(catalogFlagsFromHelp(''), ['--properties'], 'no help at all: a legacy tap')
})

t.test('messages, selection, batches and secrets, in process', async (t) => {
  const parseSingerMessage = (line: string) => parseSingerBytes(Buffer.from(line))
  t.same(parseSingerMessage('{"type":"activate_version","stream":"s","version":1}'), { type: 'ACTIVATE_VERSION', stream: 's', version: 1 })
  const record = parseSingerMessage('{"type": "record", "version": 3, "stream": "s", "record": {"a": 1.50, "b": [{}]}}')
  t.same({ ...record, recordBytes: Buffer.from(record?.recordBytes ?? []).toString() }, { type: 'RECORD', stream: 's', recordBytes: '{"a": 1.50, "b": [{}]}' }, 'a RECORD keeps its record as bytes')
  t.same(parseSingerMessage('{"type":"RECORD","stream":"s","record":5}'), { type: 'RECORD', stream: 's', record: 5 }, 'a record that is not an object is parsed, for the reader to reject')
  t.equal(parseSingerMessage('{"type":"RECORD","stream":"s","record":{"a":1}'), undefined, 'a cut RECORD line is not a message')
  t.equal(parseSingerMessage('[1]'), undefined)
  t.equal(parseSingerMessage('{"stream":"s"}'), undefined)

  const catalog = { streams: [{ tap_stream_id: 'a', stream: 'a', schema: { properties: { x: {} } }, replication_key: 'x', metadata: [{ breadcrumb: [], metadata: { 'replication-key': 'x', inclusion: 'available' } }] }] }
  const full = selectedCatalog(catalog, [{ stream: 'a', tapStreamId: 'a', replicationMethod: 'FULL_TABLE' }]).streams[0]
  t.same([full?.replication_key, full?.metadata], [undefined, [{ breadcrumb: [], metadata: { inclusion: 'available', selected: true, 'replication-method': 'FULL_TABLE', 'forced-replication-method': 'FULL_TABLE' } }, { breadcrumb: ['properties', 'x'], metadata: { selected: true } }]], 'FULL_TABLE drops the replication key; a field without metadata gets some')
  const free = selectedCatalog(catalog, [{ stream: 'a', tapStreamId: 'a' }]).streams[0]
  t.same([free?.replication_key, free?.replication_method, free?.metadata?.[0]?.metadata], ['x', undefined, { 'replication-key': 'x', inclusion: 'available', selected: true }], "no method in the resource: the tap's own are kept")

  t.throws(() => batchFiles({ type: 'BATCH', encoding: { format: 'parquet' }, manifest: [] }), { code: 'CONNECTOR_FAILED', message: /BATCH of "parquet" files/ })
  t.throws(() => batchFiles({ type: 'BATCH', encoding: { format: 'jsonl' }, manifest: ['s3://bucket/x.jsonl'] }), { message: /names "s3:\/\/bucket\/x.jsonl"; the shim reads only local file:\/\/ URLs/ })
  const path = join(dir, 'long.jsonl.gz')
  writeFileSync(path, gzipSync(`{"a":1}\n{"b":"${'x'.repeat(200)}"}\n`))
  const [file] = batchFiles({ type: 'BATCH', manifest: [`file://${path}`] })
  t.same(file, { path, gzip: true })
  const read = async (max: number) => {
    const out: unknown[] = []
    for await (const records of batchRecords(file!, 1, max)) out.push(...records)
    return out
  }
  t.same(await read(1000), [{ a: 1 }, { b: 'x'.repeat(200) }])
  await t.rejects(read(100), { code: 'CONNECTOR_FAILED', message: /has a line longer than 100 characters/ })
  await t.rejects(batchRecords({ path: join(dir, 'missing.jsonl'), gzip: false }, 1, 1000).next(), { code: 'CONNECTOR_FAILED', message: /cannot read the tap's batch file .*missing\.jsonl/ })

  t.same(configSecrets({ host: 'db.example.com', port: '5432', flag: 'true', nested: [{ token: 'abc-123' }], n: 7 }, undefined), ['db.example.com', 'abc-123'], 'every string but number-like ones')
  t.same(configSecrets({ host: 'db', token: 'tok-1' }, { type: 'object', properties: { token: { type: 'string', secret: true } } }), ['tok-1'])
})

t.test('flowkit shim singer: its options', async (t) => {
  const parsed = parseShimArgs(['singer', '--catalog-flag', 'properties', '--include', 'users', '--omit', 'demo-archive-users', '--key', 'users=/id,/x~1y', '--skip-records-with', 'hb', '--idle-timeout', '5m', '--max-line-bytes', '1024', '--documentation-url', 'https://d', '--codec', 'json', '--', 'tap-pg', '--flag'])
  t.same(parsed, {
    kind: 'singer',
    options: {
      command: ['tap-pg', '--flag'],
      catalogFlag: 'properties',
      streams: { include: ['users'], omit: ['demo-archive-users'], keys: { users: ['/id', '/x~1y'] } },
      skipRecordsWith: ['hb'],
      idleTimeoutMs: 300_000,
      maxLineBytes: 1024,
      documentationUrl: 'https://d',
    },
  })
  t.same(parseShimArgs(['singer', '--', 'tap']).options, { command: ['tap'], catalogFlag: 'auto', streams: { include: undefined, omit: undefined, keys: {} }, skipRecordsWith: undefined, idleTimeoutMs: undefined, maxLineBytes: undefined })
  t.same(parseShimArgs(['airbyte', '--state-form', 'legacy', '--documentation-url', 'https://d', '--', 'src']), {
    kind: 'airbyte',
    options: { command: ['src'], stateForm: 'legacy', streams: { include: undefined, omit: undefined, keys: {} }, skipRecordsWith: undefined, idleTimeoutMs: undefined, maxLineBytes: undefined, spec: { documentationUrl: 'https://d' } },
  })
  t.throws(() => parseShimArgs(['singer', '--catalog-flag', 'both', '--', 'tap']), { code: 'USAGE', message: /--catalog-flag must be catalog, properties or auto; got "both"/ })
  t.throws(() => parseShimArgs(['singer', '--state-form', 'legacy', '--', 'tap']), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' })
  t.throws(() => parseShimArgs(['singer']), { code: 'USAGE', message: /^the tap's command must follow --, e\.g\. flowkit shim singer -- python3 main\.py/ })
  t.throws(() => parseShimArgs(['meltano', '--', 'x']), { code: 'USAGE', message: /airbyte or singer; got "meltano"/ })
})

t.test('examples/singer-hello runs under flowkit preview, resuming in the second session', async (t) => {
  const run = await runCli(['preview', '--source', 'examples/singer-hello/flow.yaml', '--sessions', '2', '--output-state'])
  t.equal(run.code, 0, run.stderr)
  const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line))
  const docs = lines.filter(([name]) => name === 'acmeCo/singer-greetings').map(([, doc]) => doc)
  t.same(docs.map((doc) => doc.id), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  t.same(docs[0], { id: 1, message: 'hello #1', price: 0.25 })
  t.same(lines.at(-1), ['connectorState', { singer: { bookmarks: { greetings: { replication_key: 'id', replication_key_value: 10 } } } }])
  t.match(run.stderr, /chose how to pass the catalog from the tap's --help \{"flags":\["--catalog"\]\}/)
})
