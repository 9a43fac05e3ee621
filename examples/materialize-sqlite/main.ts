// materialize-sqlite: materializes collections into tables of a SQLite file. A standard binding
// keeps one row per key (loaded, reduced by Flow, then upserted or deleted); a delta-updates
// binding appends a row per document. Each Flow transaction is one SQLite transaction, which
// also records Flow's runtime checkpoint: the file is the authority on what was committed, so
// a session restarted after a crash resumes from it and a half-done transaction leaves nothing.
//
//   node --import tsx examples/materialize-sqlite/main.ts     (speaks Flow's protocol on stdin/stdout)
import Database from 'better-sqlite3'
import { pathToFileURL } from 'node:url'
import Type from 'typebox'
import { materialize, runMaterialize, type LoadKey, type MaterializeBinding, type StoreItem, type Transactor } from 'flowkit/materialize'

const Config = Type.Object({
  path: Type.String({ description: 'The SQLite file (created if missing).' }),
})

const Resource = Type.Object({
  table: Type.String({ 'x-collection-name': true, description: 'Table to materialize into.' }),
  delta_updates: Type.Optional(Type.Boolean({ 'x-delta-updates': true, default: false, description: 'Append a row per document instead of one row per key.' })),
})

type Binding = MaterializeBinding<{ table: string; delta_updates?: boolean }>

const CHECKPOINTS = 'flow_checkpoints'
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

/** A column's SQLite type from the JSON types of its field. */
function columnType(binding: Binding, field: string): string {
  if (field === binding.document) return 'TEXT'
  const types = binding.collection.projections.find((p) => p.field === field)?.types.filter((t) => t !== 'null') ?? []
  if (types.length === 1 && (types[0] === 'integer' || types[0] === 'boolean')) return 'INTEGER'
  if (types.every((t) => t === 'integer' || t === 'number') && types.length > 0) return 'REAL'
  return 'TEXT'
}

/** A value as SQLite takes it: booleans as 0/1, objects and arrays as JSON text. */
function sqlValue(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value !== null && typeof value === 'object') return JSON.stringify(value)
  return value ?? null
}

function columnsOf(binding: Binding): string[] {
  return [...binding.keys, ...binding.values, ...(binding.document ? [binding.document] : [])]
}

/** Creates the binding's table, or adds the columns it lacks; returns what it did. */
function applyTable(db: Database.Database, binding: Binding): string {
  const table = binding.resourceConfig.table
  const existing = db.prepare(`PRAGMA table_info(${quote(table)})`).all() as { name: string }[]
  if (existing.length === 0) {
    const columns = columnsOf(binding).map((field) => `${quote(field)} ${columnType(binding, field)}`)
    const key = binding.deltaUpdates ? '' : `, PRIMARY KEY (${binding.keys.map(quote).join(', ')})`
    db.exec(`CREATE TABLE ${quote(table)} (${columns.join(', ')}${key})`)
    return `created table ${table}`
  }
  const have = new Set(existing.map((column) => column.name))
  const added = columnsOf(binding).filter((field) => !have.has(field))
  for (const field of added) db.exec(`ALTER TABLE ${quote(table)} ADD COLUMN ${quote(field)} ${columnType(binding, field)}`)
  return added.length > 0 ? `added columns ${added.join(', ')} to ${table}` : ''
}

class SqliteTransactor implements Transactor {
  readonly runtimeCheckpoint: Uint8Array | undefined
  readonly #db: Database.Database
  readonly #bindings: readonly Binding[]
  readonly #name: string
  readonly #range: string
  readonly #loads: (Database.Statement | undefined)[]
  readonly #upserts: Database.Statement[]
  readonly #deletes: (Database.Statement | undefined)[]

  constructor(db: Database.Database, name: string, range: string, bindings: readonly Binding[]) {
    this.#db = db
    this.#name = name
    this.#range = range
    this.#bindings = bindings
    const where = (b: Binding) => b.keys.map((k) => `${quote(k)} = ?`).join(' AND ')
    this.#loads = bindings.map((b) => (b.deltaUpdates || !b.document ? undefined : db.prepare(`SELECT ${quote(b.document)} AS doc FROM ${quote(b.resourceConfig.table)} WHERE ${where(b)}`)))
    this.#upserts = bindings.map((b) => {
      const columns = columnsOf(b)
      const verb = b.deltaUpdates ? 'INSERT' : 'INSERT OR REPLACE'
      return db.prepare(`${verb} INTO ${quote(b.resourceConfig.table)} (${columns.map(quote).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
    })
    this.#deletes = bindings.map((b) => (b.deltaUpdates ? undefined : db.prepare(`DELETE FROM ${quote(b.resourceConfig.table)} WHERE ${where(b)}`)))
    const row = db.prepare(`SELECT checkpoint FROM ${CHECKPOINTS} WHERE materialization = ? AND key_range = ?`).get(name, range) as { checkpoint: Buffer } | undefined
    this.runtimeCheckpoint = row?.checkpoint
  }

  async *load(keys: AsyncIterable<readonly LoadKey[]>) {
    for await (const batch of keys) {
      const found = []
      for (const { binding, key } of batch) {
        const row = this.#loads[binding]?.get(...key.map(sqlValue)) as { doc: string } | undefined
        if (row) found.push({ binding, doc: row.doc })
      }
      yield found
    }
  }

  async store(stores: AsyncIterable<readonly StoreItem[]>): Promise<void> {
    this.#db.exec('BEGIN')
    for await (const batch of stores) {
      for (const item of batch) {
        const binding = this.#bindings[item.binding] as Binding
        if (item.delete && !binding.deltaUpdates) this.#deletes[item.binding]?.run(...item.key.map(sqlValue))
        else this.#upserts[item.binding]?.run(...item.key.map(sqlValue), ...item.values.map(sqlValue), ...(binding.document ? [item.doc] : []))
      }
    }
  }

  async startCommit(runtimeCheckpoint: Uint8Array): Promise<void> {
    if (!this.#db.inTransaction) this.#db.exec('BEGIN')
    this.#db.prepare(`INSERT OR REPLACE INTO ${CHECKPOINTS} (materialization, key_range, checkpoint) VALUES (?, ?, ?)`).run(this.#name, this.#range, Buffer.from(runtimeCheckpoint))
    this.#db.exec('COMMIT')
  }

  async close(): Promise<void> {
    if (this.#db.inTransaction) this.#db.exec('ROLLBACK')
    this.#db.close()
  }
}

function openDatabase(path: string): Database.Database {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.exec(`CREATE TABLE IF NOT EXISTS ${CHECKPOINTS} (materialization TEXT NOT NULL, key_range TEXT NOT NULL, checkpoint BLOB NOT NULL, PRIMARY KEY (materialization, key_range))`)
  return db
}

export const connector = materialize({
  config: Config,
  resource: Resource,
  documentationUrl: 'https://github.com/flowkit/flowkit/tree/main/examples/materialize-sqlite',
  async apply({ config, bindings }) {
    const db = openDatabase(config.path)
    try {
      return db.transaction(() => bindings.map((binding) => applyTable(db, binding)).filter(Boolean).join('; '))()
    } finally {
      db.close()
    }
  },
  async open({ config, name, range, bindings }) {
    const hex = (n: number) => n.toString(16).padStart(8, '0')
    return new SqliteTransactor(openDatabase(config.path), name, `${hex(range.keyBegin)}-${hex(range.keyEnd)}`, bindings)
  },
})

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runMaterialize(connector)
