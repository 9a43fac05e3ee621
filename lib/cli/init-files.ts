/**
 * The files of a project that `flowkit init` writes, per kind of connector. Each project is
 * complete on its own: `npm install && npm start` previews it, `npm test` runs its test,
 * `npm run build` type-checks and compiles it, and its Dockerfile builds the image.
 */

import { deriveDocumentsFile, deriveFlowYaml, deriveMain, deriveTest } from './init-derive.ts'
import { materializeDocumentsFile, materializeFlowYaml, materializeMain, materializeTest } from './init-materialize.ts'

export const INIT_KINDS = ['capture', 'airbyte', 'singer', 'materialize', 'derive'] as const
export type InitKind = (typeof INIT_KINDS)[number]

export interface ProjectNames {
  /** The npm package name (also the directory's name, cleaned). */
  readonly packageName: string
  /** The catalog name of the project's capture, materialization or derived collection, `acmeCo/<packageName>`. */
  readonly taskName: string
}

/** Version ranges written into the project's package.json. */
export interface ProjectVersions {
  readonly flowkit: string
  readonly typebox: string
  readonly tsx: string
  readonly typescript: string
  readonly typesNode: string
  readonly esbuild: string
}

/** The project's files as `[path, text]`, paths relative to its directory. */
export function projectFiles(kind: InitKind, names: ProjectNames, versions: ProjectVersions): [string, string][] {
  const kindFiles = KINDS[kind](names)
  return [
    ['package.json', packageJson(kind, names, versions)],
    ['tsconfig.json', TSCONFIG],
    ['main.ts', kindFiles.main],
    ...(kindFiles.script ? [kindFiles.script] : []),
    ['flow.yaml', kindFiles.flowYaml],
    ...(kindFiles.sample ? [kindFiles.sample] : []),
    ['test/main.test.ts', kindFiles.test],
    ['Dockerfile', dockerfile(names, kindFiles.script?.[0], protocolOf(kind))],
    ['.dockerignore', 'node_modules\ndist\n.git\n*.log\n'],
    ['.gitignore', 'node_modules/\ndist/\n*.log\n'],
    ['README.md', readme(kind, names, kindFiles.script?.[0])],
  ]
}

interface KindFiles {
  readonly main: string
  /** The foreign connector's script, for the shim kinds. */
  readonly script?: [string, string]
  readonly flowYaml: string
  /** Documents `npm start` runs a materialization or derivation on. */
  readonly sample?: [string, string]
  readonly test: string
}

type Protocol = 'capture' | 'materialize' | 'derive'

/** The Flow protocol a kind of project speaks. */
function protocolOf(kind: InitKind): Protocol {
  return kind === 'materialize' || kind === 'derive' ? kind : 'capture'
}

const KINDS: Record<InitKind, (names: ProjectNames) => KindFiles> = {
  capture: (names) => ({ main: captureMain(names), flowYaml: flowYaml(names, CAPTURE_RESOURCE), test: captureTest(names) }),
  airbyte: (names) => ({
    main: airbyteMain(names),
    script: ['source.py', airbyteSource(names)],
    flowYaml: flowYaml(names, AIRBYTE_RESOURCE),
    test: shimTest('airbyte', names),
  }),
  singer: (names) => ({
    main: singerMain(names),
    script: ['tap.py', singerTap()],
    flowYaml: flowYaml(names, SINGER_RESOURCE),
    test: shimTest('singer', names),
  }),
  materialize: (names) => ({
    main: materializeMain(names),
    flowYaml: materializeFlowYaml(names),
    sample: ['documents.jsonl', materializeDocumentsFile()],
    test: materializeTest(names),
  }),
  derive: (names) => ({
    main: deriveMain(names),
    flowYaml: deriveFlowYaml(names),
    sample: ['documents.jsonl', deriveDocumentsFile()],
    test: deriveTest(names),
  }),
}

/** The scripts of a project's package.json. */
export function projectScripts(kind: InitKind, names: ProjectNames): Record<string, string> {
  const bundle = 'flowkit bundle main.ts -o dist/connector.mjs'
  if (kind === 'materialize' || kind === 'derive') {
    const task = `--source flow.yaml --${kind === 'derive' ? 'derivation' : 'materialization'} ${names.taskName}`
    return {
      start: `flowkit preview ${task} --input documents.jsonl`,
      test: 'node --import tsx --test test/*.test.ts',
      build: 'tsc',
      bundle,
      spec: `flowkit raw spec ${task}`,
      validate: `flowkit raw validate ${task}`,
    }
  }
  return {
    start: 'flowkit preview --source flow.yaml --sessions 1',
    test: 'node --import tsx --test test/*.test.ts',
    build: 'tsc',
    bundle,
    spec: 'flowkit raw spec --source flow.yaml',
    discover: 'flowkit raw discover --source flow.yaml',
  }
}

function packageJson(kind: InitKind, names: ProjectNames, versions: ProjectVersions): string {
  const description: Record<InitKind, string> = {
    capture: 'A Flow capture connector written in TypeScript with flowkit.',
    airbyte: 'An Airbyte source run as a Flow capture through flowkit.',
    singer: 'A Singer tap run as a Flow capture through flowkit.',
    materialize: 'A Flow materialization connector written in TypeScript with flowkit.',
    derive: 'A Flow derivation written in TypeScript with flowkit.',
  }
  const pkg = {
    name: names.packageName,
    version: '0.1.0',
    private: true,
    description: description[kind],
    type: 'module',
    engines: { node: '>=20' },
    scripts: projectScripts(kind, names),
    dependencies: { flowkit: versions.flowkit, typebox: versions.typebox },
    devDependencies: { '@types/node': versions.typesNode, esbuild: versions.esbuild, tsx: versions.tsx, typescript: versions.typescript },
  }
  return JSON.stringify(pkg, null, 2) + '\n'
}

const TSCONFIG = `{
  "compilerOptions": {
    "target": "es2023",
    "lib": ["es2023"],
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "types": ["node"],
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "exactOptionalPropertyTypes": true,
    "noImplicitOverride": true,
    "noUnusedLocals": true,
    "verbatimModuleSyntax": true,
    "skipLibCheck": true,
    "rootDir": ".",
    "outDir": "dist",
    "sourceMap": true
  },
  "include": ["main.ts", "test"]
}
`

const CAPTURE_RESOURCE = '{ stream: greetings }'
const AIRBYTE_RESOURCE = '{ stream: greetings, syncMode: incremental, cursorField: [id] }'
const SINGER_RESOURCE = '{ stream: greetings, tapStreamId: greetings, replicationMethod: INCREMENTAL, replicationKey: id }'

function flowYaml(names: ProjectNames, resource: string): string {
  return `# A catalog with the connector's capture, for \`flowkit preview\`, \`flowkit raw\` and the tests.
# Paths in \`command\` are relative to the directory you run them from (this one).
captures:
  ${names.taskName}:
    endpoint:
      local:
        # Runs main.ts through tsx. Under a debugger: npx flowkit preview --source flow.yaml --inspect
        command: ["node", "--import", "tsx", "main.ts"]
        config:
          greeting: hello
          count: 5
    bindings:
      - resource: ${resource}
        target: acmeCo/greetings

collections:
  acmeCo/greetings:
    key: [/id]
    schema:
      type: object
      properties:
        id: { type: integer, minimum: 1 }
        message: { type: string }
      required: [id, message]
`
}

function captureMain(names: ProjectNames): string {
  return `// ${names.packageName}: a Flow capture written with flowkit.
// It captures numbered greetings from one stream and keeps the last id it captured in its state,
// so each session goes on from where the last one committed. Replace the body of \`open\` with
// reads from your source.
import Type from 'typebox'
import { capture, checkpoint, document, runCapture, type CaptureEvent } from 'flowkit/capture'

/**
 * The endpoint config. flowkit sends this schema in Spec, and checks the config against it,
 * defaults filled in, before discover, validate, apply and open run: \`config\` below is typed.
 */
const Config = Type.Object({
  greeting: Type.String({ default: 'hello', description: 'The word every greeting starts with.' }),
  count: Type.Integer({ minimum: 1, default: 5, description: 'How many documents each session captures.' }),
  perTransaction: Type.Integer({ minimum: 1, default: 2, description: 'Documents committed by each checkpoint.' }),
  token: Type.Optional(Type.String({ secret: true, description: 'An API token. Not used here; values marked secret never reach the logs.' })),
})

/** A binding's resource config: which stream of the source it captures. */
const Resource = Type.Object({
  stream: Type.Literal('greetings', { description: 'The stream to capture.' }),
})

/** JSON schema of the documents, offered by discover. */
const greetingSchema = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1 }, message: { type: 'string' } },
  required: ['id', 'message'],
}

/** What the state keeps for each binding, under \`bindingStateV1[stateKey]\`. */
interface StreamState {
  readonly lastId?: number
}

const connector = capture({
  config: Config,
  resource: Resource,
  documentationUrl: 'https://example.com/${names.packageName}',
  resourcePathPointers: ['/stream'],

  async discover() {
    return [{ recommendedName: 'greetings', resourceConfig: { stream: 'greetings' as const }, documentSchema: greetingSchema, key: ['/id'] }]
  },

  async *open({ config, bindings, state, signal, logger }) {
    const states = (state.bindingStateV1 ?? {}) as Record<string, StreamState>
    for (const binding of bindings) {
      let id = states[binding.stateKey]?.lastId ?? 0
      const last = id + config.count
      logger.info('capturing greetings', { after: id, until: last })
      while (id < last && !signal.aborted) {
        const batch: CaptureEvent[] = []
        for (const end = Math.min(id + config.perTransaction, last); id < end; ) {
          id++
          batch.push(document(binding.index, { id, message: \`\${config.greeting} #\${id}\` }))
        }
        // A checkpoint commits the documents before it. Its state is a merge patch.
        batch.push(checkpoint({ bindingStateV1: { [binding.stateKey]: { lastId: id } } }))
        yield batch
      }
    }
  },
})

await runCapture(connector)
`
}

function captureTest(names: ProjectNames): string {
  return `// Runs the capture of flow.yaml as Flow's runtime would, with flowkit/testing.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { collectCapture, discover, loadCapture } from 'flowkit/testing'

test('discover offers the greetings stream, keyed by id', async () => {
  const response = await discover(loadCapture('flow.yaml'))
  const bindings = response.discovered?.bindings ?? []
  assert.deepEqual(
    bindings.map((binding) => [binding.recommendedName, binding.key]),
    [['greetings', ['/id']]],
  )
})

test('each session captures five greetings, going on from the state the last one committed', async () => {
  const { documents, transactions, state } = await collectCapture('flow.yaml', { sessions: 2 })
  assert.deepEqual(
    documents,
    Array.from({ length: 10 }, (_, i) => ['acmeCo/greetings', { id: i + 1, message: \`hello #\${i + 1}\` }]),
  )
  assert.equal(transactions.length, 6, 'two documents per transaction, three transactions a session')
  assert.deepEqual(state, { bindingStateV1: { 'greetings.v1': { lastId: 10 } } })
})

test('${names.taskName} is the only capture of the catalog', () => {
  assert.equal(loadCapture('flow.yaml').name, '${names.taskName}')
})
`
}

function airbyteMain(names: ProjectNames): string {
  return `// ${names.packageName}: an Airbyte source run as a Flow capture.
// source.py stands for any Airbyte source (a Python package, a Java jar, a binary): flowkit's
// Airbyte shim speaks Flow's protocol and runs the source's own spec, check, discover and read
// commands. Replace the command with your source's.
import Type from 'typebox'
import { airbyteCapture } from 'flowkit/airbyte'
import { runCapture } from 'flowkit/capture'

/**
 * The config as Flow shows it. The source's SPEC gives its config schema; this one is laid over
 * it as a JSON merge patch, to add what Flow's UI uses: titles, descriptions, and \`secret\` on
 * the values the logs must never show.
 */
const Config = Type.Object({
  greeting: Type.String({ title: 'Greeting', default: 'hello', description: 'The word every greeting starts with.' }),
  count: Type.Integer({ title: 'Records per read', minimum: 1, default: 5, description: 'How many records each read emits.' }),
  token: Type.Optional(Type.String({ title: 'API token', secret: true, description: 'Not used by the source; shows how secrets are kept out of logs.' })),
})

await runCapture(
  airbyteCapture({
    command: ['python3', 'source.py'],
    spec: { config: Config, documentationUrl: 'https://example.com/${names.packageName}' },
  }),
)
`
}

function singerMain(names: ProjectNames): string {
  return `// ${names.packageName}: a Singer tap run as a Flow capture.
// tap.py stands for any Singer tap: flowkit's Singer shim speaks Flow's protocol, discovers the
// tap's streams, and runs its syncs with the bound streams selected and the last state. Replace
// the command with your tap's.
import Type from 'typebox'
import { runCapture } from 'flowkit/capture'
import { singerCapture } from 'flowkit/singer'

/**
 * The tap's config. A Singer tap declares no config schema: this one is the capture's Spec,
 * and the values it marks \`secret\` never reach a log.
 */
const Config = Type.Object({
  greeting: Type.String({ title: 'Greeting', default: 'hello', description: 'The word every greeting starts with.' }),
  count: Type.Integer({ title: 'Records per sync', minimum: 1, default: 5, description: 'How many records each sync emits.' }),
  token: Type.Optional(Type.String({ title: 'API token', secret: true, description: 'Not used by the tap; shows how secrets are kept out of logs.' })),
})

await runCapture(
  singerCapture({
    command: ['python3', 'tap.py'],
    catalogFlag: 'catalog',
    configSchema: Config,
    documentationUrl: 'https://example.com/${names.packageName}',
  }),
)
`
}

function shimTest(kind: 'airbyte' | 'singer', names: ProjectNames): string {
  const what = kind === 'airbyte' ? 'source' : 'tap'
  return `// Runs the capture of flow.yaml as Flow's runtime would, with flowkit/testing: the ${what} in
// ${kind === 'airbyte' ? 'source.py' : 'tap.py'} through flowkit's ${kind === 'airbyte' ? 'Airbyte' : 'Singer'} shim.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { collectCapture, loadCapture, spec } from 'flowkit/testing'

test('the Spec has the config schema of main.ts, its token marked secret', async () => {
  const response = await spec(loadCapture('flow.yaml'))
  const schema = JSON.parse(response.spec?.configSchemaJson ?? '{}')
  assert.equal(schema.properties.greeting.title, 'Greeting')
  assert.equal(schema.properties.count.default, 5)
  assert.equal(schema.properties.token.secret, true)
})

test('each session captures five greetings, going on from the state the last one committed', async () => {
  const { documents } = await collectCapture('flow.yaml', { sessions: 2 })
  assert.deepEqual(
    documents,
    Array.from({ length: 10 }, (_, i) => ['acmeCo/greetings', { id: i + 1, message: \`hello #\${i + 1}\` }]),
  )
})

test('${names.taskName} is the only capture of the catalog', () => {
  assert.equal(loadCapture('flow.yaml').name, '${names.taskName}')
})
`
}

function airbyteSource(names: ProjectNames): string {
  return `#!/usr/bin/env python3
"""A small Airbyte source, standard library only: one stream, \`greetings\`, read incrementally by
\`id\`, with a per-stream STATE after every two records. flowkit runs it unchanged (see main.ts):

    python3 source.py spec
    python3 source.py check --config CONFIG
    python3 source.py discover --config CONFIG
    python3 source.py read --config CONFIG --catalog CATALOG [--state STATE]
"""
import json
import sys
import time

SPEC = {
    "documentationUrl": "https://example.com/${names.packageName}",
    "connectionSpecification": {
        "type": "object",
        "properties": {
            "greeting": {"type": "string", "default": "hello"},
            "count": {"type": "integer", "minimum": 1, "default": 5},
            "token": {"type": "string", "airbyte_secret": True},
        },
    },
}

GREETINGS = {
    "name": "greetings",
    "json_schema": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "message": {"type": "string"}},
    },
    "supported_sync_modes": ["full_refresh", "incremental"],
    "source_defined_cursor": True,
    "default_cursor_field": ["id"],
    "source_defined_primary_key": [["id"]],
}


def send(message):
    sys.stdout.write(json.dumps(message) + "\\n")


def json_option(name):
    """The JSON file named after \`name\` on the command line, parsed; None without one."""
    if name not in sys.argv:
        return None
    with open(sys.argv[sys.argv.index(name) + 1]) as f:
        return json.load(f)


def last_id(state):
    """The id the last read ended at, from the per-stream states it emitted."""
    for message in state or []:
        stream = message.get("stream") or {}
        if stream.get("stream_descriptor", {}).get("name") == "greetings":
            return stream.get("stream_state", {}).get("last_id", 0)
    return 0


def state_message(last):
    return {"type": "STATE", "state": {"type": "STREAM", "stream": {"stream_descriptor": {"name": "greetings"}, "stream_state": {"last_id": last}}}}


def read(config, state):
    start = last_id(state)
    end = start + config.get("count", 5)
    send({"type": "LOG", "log": {"level": "INFO", "message": "reading greetings after id %d" % start}})
    for i in range(start + 1, end + 1):
        data = {"id": i, "message": "%s #%d" % (config.get("greeting", "hello"), i)}
        send({"type": "RECORD", "record": {"stream": "greetings", "data": data, "emitted_at": int(time.time() * 1000)}})
        if i % 2 == 0 or i == end:
            send(state_message(i))


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "spec":
        send({"type": "SPEC", "spec": SPEC})
    elif command == "check":
        config = json_option("--config") or {}
        ok = isinstance(config.get("count", 5), int) and config.get("count", 5) >= 1
        status = {"status": "SUCCEEDED"} if ok else {"status": "FAILED", "message": "count must be a positive integer"}
        send({"type": "CONNECTION_STATUS", "connectionStatus": status})
    elif command == "discover":
        send({"type": "CATALOG", "catalog": {"streams": [GREETINGS]}})
    elif command == "read":
        read(json_option("--config") or {}, json_option("--state"))
    else:
        sys.stderr.write("usage: source.py spec|check|discover|read [--config F] [--catalog F] [--state F]\\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
`
}

function singerTap(): string {
  return `#!/usr/bin/env python3
"""A small Singer tap, standard library only: one stream, \`greetings\`, keyed and replicated
INCREMENTAL by \`id\`, with a STATE after every two records. flowkit runs it unchanged (see main.ts):

    python3 tap.py --config CONFIG --discover
    python3 tap.py --config CONFIG --catalog CATALOG [--state STATE]
"""
import argparse
import json
import sys

SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "message": {"type": "string"}},
}

CATALOG = {
    "streams": [
        {
            "tap_stream_id": "greetings",
            "stream": "greetings",
            "schema": SCHEMA,
            "key_properties": ["id"],
            "metadata": [
                {"breadcrumb": [], "metadata": {"inclusion": "available", "valid-replication-keys": ["id"]}},
                {"breadcrumb": ["properties", "id"], "metadata": {"inclusion": "automatic"}},
            ],
        }
    ]
}


def send(message):
    sys.stdout.write(json.dumps(message) + "\\n")


def read_json(path, default):
    if path is None:
        return default
    with open(path) as f:
        return json.load(f)


def is_selected(entry):
    if entry.get("selected"):
        return True
    return any(item["breadcrumb"] == [] and item["metadata"].get("selected") for item in entry.get("metadata", []))


def sync(config, catalog, state):
    bookmarks = state.setdefault("bookmarks", {})
    for entry in filter(is_selected, catalog["streams"]):
        stream = entry["stream"]
        send({"type": "SCHEMA", "stream": stream, "schema": SCHEMA, "key_properties": ["id"]})
        start = bookmarks.get(entry["tap_stream_id"], {}).get("id", 0)
        for i in range(start + 1, start + config.get("count", 5) + 1):
            send({"type": "RECORD", "stream": stream, "record": {"id": i, "message": "%s #%d" % (config.get("greeting", "hello"), i)}})
            bookmarks[entry["tap_stream_id"]] = {"id": i}
            if i % 2 == 0:
                send({"type": "STATE", "value": state})
    send({"type": "STATE", "value": state})


def main():
    parser = argparse.ArgumentParser(prog="tap.py")
    parser.add_argument("--config", required=True)
    parser.add_argument("--discover", action="store_true")
    parser.add_argument("--catalog")
    parser.add_argument("--state")
    args = parser.parse_args()
    config = read_json(args.config, {})
    if args.discover:
        json.dump(CATALOG, sys.stdout)
        return 0
    sys.stderr.write("INFO syncing the selected streams\\n")
    sync(config, read_json(args.catalog, CATALOG), read_json(args.state, {}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
`
}

/** A two-stage image: compile in the first, production dependencies and the compiled connector in the second. */
function dockerfile(names: ProjectNames, script: string | undefined, protocol: Protocol): string {
  const python = script
    ? `# The ${script === 'tap.py' ? 'tap' : 'source'} is a Python script: the image needs Python too.
RUN apt-get update && apt-get install -y --no-install-recommends python3 && rm -rf /var/lib/apt/lists/*
`
    : ''
  const copyScript = script ? `COPY ${script} ./\n` : ''
  return `# The connector's image, run by Flow as a ${{ capture: 'capture', materialize: 'materialization', derive: 'derivation' }[protocol]}:
#   docker build -t ghcr.io/acmeco/${names.packageName}:local .
# Build: install every dependency and compile main.ts to dist/main.js.
FROM node:20-slim AS build
WORKDIR /connector
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

# Runtime: Node, the production dependencies and the compiled connector.
FROM node:20-slim
${python}WORKDIR /connector
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /connector/dist/main.js /connector/dist/main.js.map ./dist/
${copyScript}# Flow reads the protocol the image speaks and its codec from these labels; the connector reads
# the codec from the environment.
LABEL FLOW_RUNTIME_PROTOCOL=${protocol}
LABEL FLOW_RUNTIME_CODEC=proto
ENV FLOW_RUNTIME_CODEC=proto
USER node
ENTRYPOINT ["node", "--enable-source-maps", "dist/main.js"]
`
}

function readme(kind: InitKind, names: ProjectNames, script: string | undefined): string {
  const intro: Record<InitKind, string> = {
    capture:
      'A Flow capture connector written in TypeScript with flowkit. `main.ts` declares its config and resource schemas with TypeBox and captures numbered greetings from one stream, keeping the last id in its state so each session goes on where the last one committed.',
    airbyte:
      'An Airbyte source run as a Flow capture with flowkit. `source.py` is a small Airbyte source (one stream of greetings, read incrementally by id); `main.ts` runs it through flowkit\'s Airbyte shim, which speaks Flow\'s protocol and runs the source\'s `spec`, `check`, `discover` and `read`, and lays a TypeBox config schema over the source\'s own.',
    singer:
      'A Singer tap run as a Flow capture with flowkit. `tap.py` is a small Singer tap (one stream of greetings, replicated incrementally by id); `main.ts` runs it through flowkit\'s Singer shim, which speaks Flow\'s protocol, discovers the tap\'s streams and runs its syncs, and declares the config schema the tap lacks with TypeBox.',
    materialize:
      'A Flow materialization connector written in TypeScript with flowkit. `main.ts` declares its config and resource schemas with TypeBox and materializes each bound collection into a table of one JSON file, a row per key; the file also holds Flow\'s runtime checkpoint, committed with the rows, so a session resumes exactly where the last one committed.',
    derive:
      'A Flow derivation written in TypeScript with flowkit. `main.ts` declares its config with TypeBox and, for each greeting it reads, publishes `{ word, count: 1 }` per word; the derived collection\'s `reduce` annotations sum the counts per word, so the collection holds one document per word with its total.',
  }
  const materialize = kind === 'materialize'
  const derive = kind === 'derive'
  const files = [
    ['package.json', 'flowkit and TypeBox, with TypeScript, tsx and esbuild to develop; the scripts below'],
    ['tsconfig.json', 'strict TypeScript, `module: nodenext`; `npm run build` compiles to `dist/`'],
    ['main.ts', 'the connector'],
    ...(script ? [[script, `the ${script === 'tap.py' ? 'Singer tap' : 'Airbyte source'} (Python 3, standard library only)`]] : []),
    materialize
      ? ['flow.yaml', `a catalog with the materialization \`${names.taskName}\` (running \`main.ts\` through tsx) and the collection it reads`]
      : derive
        ? ['flow.yaml', `a catalog with the collection \`acmeCo/greetings\` and the collection \`${names.taskName}\` derived from it by \`main.ts\` (run through tsx)`]
        : ['flow.yaml', `a catalog with the capture \`${names.taskName}\` (running \`main.ts\` through tsx) and its collection`],
    ...(materialize || derive ? [['documents.jsonl', 'sample documents of the source collection, one `["<collection>", <document>]` per line, as a capture preview prints them']] : []),
    ['test/main.test.ts', `a test with \`node:test\` and \`flowkit/testing\`: it runs the ${materialize ? 'materialization of `flow.yaml` over documents and reads the file it wrote' : derive ? 'derivation of `flow.yaml` over documents and checks what it published' : 'capture of `flow.yaml` and checks what it committed'}`],
    ['Dockerfile', 'the production image'],
  ]
  const replace: Record<InitKind, string> = {
    capture:
      'Change `Config` and `Resource` in `main.ts` to what your source needs, `discover` to the streams it has and `open` to read them: yield documents with `document(binding.index, doc)` and commit them with `checkpoint(statePatch)`. Then change the config, bindings and collection schema in `flow.yaml`, and the test.',
    airbyte:
      'Put your source\'s command in `main.ts` (`command: [...]`, any program: `python3 -m source_x`, `java -jar ...`), its config in `flow.yaml`, and its streams in the bindings (`npm run discover` prints what it offers). `airbyteCapture` also takes `streams` (which streams, their keys) and `transform` (change each document).',
    singer:
      'Put your tap\'s command in `main.ts` (`command: [...]`), its config schema in `Config`, its config in `flow.yaml` and its streams in the bindings (`npm run discover` prints what it offers). Legacy taps read `--properties`: set `catalogFlag: \'properties\'`.',
    materialize:
      'Change `Config` and `Resource` in `main.ts` to what your endpoint needs, `apply` to create its tables, and the transactor `open` returns to read and write them: `load` yields the stored document of each key it finds, `store` writes or deletes rows, `startCommit` commits them (with the runtime checkpoint, when the endpoint can hold it). `validate` may be given to choose which fields are required or recommended. Then change the config, bindings and collection in `flow.yaml`, and the test.',
    derive:
      'Change the transform in `main.ts` to yours: a function of a source document that returns or yields the documents to publish (or `pipeline(fn)` over the reads of a transaction), one per transform of `flow.yaml`. A derivation that keeps state declares a `state` schema and returns `flush() { return { publish, state } }`. Then change the collections and transforms in `flow.yaml`, and the test.',
  }
  const python = script ? '\n\nThe connector runs `python3`, which must be on the `PATH`.' : ''
  const commands = derive
    ? ['npm start           # one session over documents.jsonl; prints what each transaction published', 'npm test            # runs test/*.test.ts with node:test', 'npm run build       # type-checks and compiles to dist/', 'npm run bundle      # one file, dist/connector.mjs, that runs under plain node', 'npm run spec        # the connector\'s Spec response (its config schema)', 'npm run validate    # its Validated response, and typed stubs of the source documents']
    : materialize
    ? ['npm start           # one session over documents.jsonl; writes materialized.json', 'npm test            # runs test/*.test.ts with node:test', 'npm run build       # type-checks and compiles to dist/', 'npm run bundle      # one file, dist/connector.mjs, that runs under plain node', 'npm run spec        # the connector\'s Spec response (its config schema)', 'npm run validate    # its constraints on the fields of each binding']
    : ['npm start           # one capture session; prints each committed document as ["<collection>", <document>]', 'npm test            # runs test/*.test.ts with node:test', 'npm run build       # type-checks and compiles to dist/', 'npm run bundle      # one file, dist/connector.mjs, that runs under plain node', 'npm run spec        # the connector\'s Spec response (its config schema)', 'npm run discover    # the bindings it offers']
  const start = derive
    ? `\`npm start\` runs \`flowkit preview --derivation\` over \`documents.jsonl\`: flowkit validates the derivation of \`flow.yaml\` as Flow's runtime would, sends each document to the transform that reads its collection, and once a transaction commits prints what it published as \`["<collection>", <document>]\` lines, combined per key with the derived collection's \`reduce\` annotations. Pipe a capture into it instead: \`npx flowkit preview --source capture.flow.yaml | npx flowkit preview --source flow.yaml --derivation ${names.taskName} --input -\`. \`npx flowkit preview --help\` lists its options (a state file, transaction sizes, \`--inspect\`).`
    : materialize
    ? `\`npm start\` runs \`flowkit preview --materialization\` over \`documents.jsonl\`: flowkit validates and applies the materialization of \`flow.yaml\` as Flow's runtime would, combines the documents of each key with the collection's \`reduce\` annotations, and runs the transactions (Load, Flush, Store, StartCommit, Acknowledge). Pipe a capture into it instead: \`npx flowkit preview --source capture.flow.yaml | npx flowkit preview --source flow.yaml --materialization ${names.taskName} --input -\`. \`npx flowkit preview --help\` lists its options (a state file, transaction sizes, \`--inspect\` to attach a debugger).`
    : `\`npm start\` is \`flowkit preview --source flow.yaml --sessions 1\`: flowkit runs the capture of \`flow.yaml\` as Flow's runtime would and checks each document against its collection's schema. \`npx flowkit preview --help\` lists its options (more sessions, a state file, \`--inspect\` to attach a debugger).`
  const config = materialize ? '{ path: materialized.json }' : derive ? '{ minLength: 2 }' : '{ greeting: hello, count: 5 }'
  return `# ${names.packageName}

${wrap(intro[kind])}

## Run it

Node 20 or newer.${python}

\`\`\`sh
npm install
${commands.join('\n')}
\`\`\`

${wrap(start)}

## Files

${files.map(([file, what]) => `- \`${file}\`: ${what}`).join('\n')}

## Make it yours

${wrap(replace[kind])}

## Build the image

With a Docker engine:

\`\`\`sh
npm install                                   # writes package-lock.json, which the image installs from
docker build -t ghcr.io/acmeco/${names.packageName}:local .
\`\`\`

The image speaks Flow's ${materialize ? 'materialize' : derive ? 'derive' : 'capture'} protocol in protobuf on stdin and stdout (its
\`FLOW_RUNTIME_PROTOCOL\` and \`FLOW_RUNTIME_CODEC\` labels say so). To preview it, point
\`flow.yaml\` at it instead of the local command:

\`\`\`yaml
${derive ? '    derive:\n      using:\n        connector:' : '    endpoint:\n      connector:'}
${derive ? '  ' : ''}        image: ghcr.io/acmeco/${names.packageName}:local
${derive ? '  ' : ''}        config: ${config}
\`\`\`
`
}

/** Breaks a paragraph into lines of at most `width` characters, between words. */
function wrap(text: string, width = 96): string {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line === '' ? word : `${line} ${word}`
  }
  return [...lines, line].join('\n')
}
