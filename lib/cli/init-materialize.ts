/**
 * The files `flowkit init --kind materialize` writes beside the common ones: a materialization
 * into one JSON file, its catalog, sample documents to run it on, and its test.
 */

export interface MaterializeNames {
  readonly packageName: string
  readonly taskName: string
}

/** The sample input of `npm start`: what `flowkit preview` prints for a capture, with a repeated key and a deletion. */
export const SAMPLE_DOCUMENTS = [
  ['acmeCo/greetings', { id: 1, message: 'hello #1', count: 1 }],
  ['acmeCo/greetings', { id: 2, message: 'hello #2', count: 1 }],
  ['acmeCo/greetings', { id: 3, message: 'hello #3', count: 1 }],
  ['acmeCo/greetings', { id: 1, message: 'hello again #1', count: 2 }],
  ['acmeCo/greetings', { id: 3, _meta: { op: 'd' } }],
] as const

export function materializeDocumentsFile(): string {
  return SAMPLE_DOCUMENTS.map((pair) => JSON.stringify(pair)).join('\n') + '\n'
}

export function materializeMain(names: MaterializeNames): string {
  return `// ${names.packageName}: a Flow materialization written with flowkit.
// It materializes collections into one JSON file: a table per binding, a row per key holding the
// selected fields and the whole document. Each Flow transaction rewrites the file whole (written
// beside it, then renamed over it), and the file also holds Flow's runtime checkpoint: the file is
// the authority on what was committed, so a session restarted after a crash resumes from it and a
// half-done transaction leaves nothing. Replace the file with your endpoint: \`load\` reads
// documents by key, \`store\` writes them, \`startCommit\` commits them with the checkpoint.
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import Type from 'typebox'
import { materialize, runMaterialize, type LoadKey, type StoreItem } from 'flowkit/materialize'

/** The endpoint config; flowkit sends it in Spec and checks it before each request: \`config\` below is typed. */
const Config = Type.Object({
  path: Type.String({ default: 'materialized.json', description: 'The JSON file written (created if missing).' }),
  token: Type.Optional(Type.String({ secret: true, description: 'An API token. Not used here; values marked secret never reach the logs.' })),
})

/** A binding's resource config: \`x-collection-name\` marks the property that names its table. */
const Resource = Type.Object({
  table: Type.String({ 'x-collection-name': true, description: 'The table a collection is materialized into.' }),
})

type Row = Record<string, unknown>

/** What the file holds: the last committed runtime checkpoint (base64), and rows per table by key. */
interface Contents {
  checkpoint?: string
  tables: Record<string, Record<string, Row>>
}

function readContents(path: string): Contents {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Contents
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { tables: {} }
    throw error
  }
}

/** Replaces the file whole: a reader (or a crash) sees the old contents or the new, never a mix. */
function writeContents(path: string, contents: Contents): void {
  writeFileSync(\`\${path}.tmp\`, JSON.stringify(contents, null, 2) + '\\n')
  renameSync(\`\${path}.tmp\`, path)
}

const connector = materialize({
  config: Config,
  resource: Resource,
  documentationUrl: 'https://example.com/${names.packageName}',

  // Creates the tables the bindings need; runs again on every change of the spec, so it is idempotent.
  async apply({ config, bindings }) {
    const contents = readContents(config.path)
    const created = bindings.map((binding) => binding.resourceConfig.table).filter((table) => !(table in contents.tables))
    for (const table of created) contents.tables[table] = {}
    if (created.length > 0) writeContents(config.path, contents)
    return created.map((table) => \`created table \${table}\`).join('; ')
  },

  async open({ config, bindings, logger }) {
    const contents = readContents(config.path)
    const tables = bindings.map((binding) => (contents.tables[binding.resourceConfig.table] ??= {}))
    logger.info('opened', { path: config.path, resumed: contents.checkpoint !== undefined })
    return {
      // Flow resumes from the checkpoint committed with the data, rather than from its own.
      runtimeCheckpoint: contents.checkpoint === undefined ? undefined : Buffer.from(contents.checkpoint, 'base64'),

      // The stored document of each key that has one; Flow reduces the new documents onto it.
      async *load(keys: AsyncIterable<readonly LoadKey[]>) {
        for await (const batch of keys) {
          for (const { binding, key } of batch) {
            const field = bindings[binding]?.document
            const row = tables[binding]?.[JSON.stringify(key)]
            if (field && row) yield { binding, doc: row[field] as object }
          }
        }
      },

      // A row per key: its key fields, the selected values, and the document; or its deletion.
      async store(stores: AsyncIterable<readonly StoreItem[]>) {
        for await (const batch of stores) {
          for (const item of batch) {
            const binding = bindings[item.binding]!
            const table = tables[item.binding]!
            const id = JSON.stringify(item.key)
            if (item.delete) {
              delete table[id]
              continue
            }
            const row: Row = {}
            binding.keys.forEach((field, i) => (row[field] = item.key[i]))
            binding.values.forEach((field, i) => (row[field] = item.values[i]))
            if (binding.document) row[binding.document] = JSON.parse(item.doc)
            table[id] = row
          }
        }
      },

      // The transaction's rows and Flow's checkpoint go to the file in one rename.
      async startCommit(runtimeCheckpoint: Uint8Array) {
        contents.checkpoint = Buffer.from(runtimeCheckpoint).toString('base64')
        writeContents(config.path, contents)
      },
    }
  },
})

await runMaterialize(connector)
`
}

export function materializeFlowYaml(names: MaterializeNames): string {
  return `# A catalog with the materialization and the collection it reads, for \`flowkit preview\`,
# \`flowkit raw\` and the tests. Paths in \`command\` and \`config\` are relative to the directory
# you run them from (this one).
materializations:
  ${names.taskName}:
    endpoint:
      local:
        # Runs main.ts through tsx. Under a debugger: add --inspect to the preview.
        command: ["node", "--import", "tsx", "main.ts"]
        config:
          path: materialized.json
    bindings:
      - resource: { table: greetings }
        source: acmeCo/greetings
        fields:
          recommended: true

collections:
  acmeCo/greetings:
    key: [/id]
    schema:
      type: object
      # Documents of one key are combined as Flow combines them: the last one wins, except
      # \`count\`, which is summed; a document marked \`_meta: { op: d }\` (as captures mark
      # deletions) deletes its key.
      if: { required: [_meta], properties: { _meta: { required: [op], properties: { op: { const: d } } } } }
      then: { reduce: { strategy: merge, delete: true } }
      else: { reduce: { strategy: merge } }
      properties:
        id: { type: integer }
        message: { type: string }
        count: { type: integer, reduce: { strategy: sum } }
      required: [id]
`
}

export function materializeTest(names: MaterializeNames): string {
  return `// Runs the materialization of flow.yaml over documents as Flow's runtime would, with
// flowkit/testing, and reads the file it wrote.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { loadMaterialization, materializeDocuments, type MaterializationTask } from 'flowkit/testing'

/** The materialization of flow.yaml, writing to a file of its own. */
function task(path: string): MaterializationTask {
  const loaded = loadMaterialization('flow.yaml')
  return { ...loaded, endpoint: { ...loaded.endpoint, config: { path } } }
}

const rowsOf = (path: string) => JSON.parse(readFileSync(path, 'utf8')).tables.greetings

test('documents of a key are combined, counts summed, and a deletion removes the row', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'materialize-')), 'out.json')
  const documents = [
    ['acmeCo/greetings', { id: 1, message: 'hi', count: 1 }],
    ['acmeCo/greetings', { id: 2, message: 'yo', count: 1 }],
    ['acmeCo/greetings', { id: 1, message: 'hi again', count: 2 }],
    // A second transaction: key 1 is loaded from the file and reduced onto; key 2 is deleted.
    ['acmeCo/greetings', { id: 1, count: 10 }],
    ['acmeCo/greetings', { id: 2, _meta: { op: 'd' } }],
  ] as const
  const result = await materializeDocuments(task(path), { documents, transactionDocs: 3 })
  assert.equal(result.applied, 'created table greetings')
  assert.deepEqual(result.summaries.map((s) => [s.loads, s.found, s.stored, s.deleted]), [[0, 0, 2, 0], [2, 2, 1, 1]])
  assert.deepEqual(rowsOf(path), {
    '[1]': { id: 1, count: 13, message: 'hi again', flow_document: { id: 1, message: 'hi again', count: 13 } },
  })
})

test('${names.taskName} is the only materialization of the catalog', () => {
  assert.equal(loadMaterialization('flow.yaml').name, '${names.taskName}')
})
`
}
