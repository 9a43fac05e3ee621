/**
 * The files `flowkit init --kind derive` writes beside the common ones: a derivation that
 * counts the words of greetings, its catalog, sample documents to run it on, and its test.
 */

export interface DeriveNames {
  readonly packageName: string
  readonly taskName: string
}

/** The sample input of `npm start`: what `flowkit preview` prints for a capture. */
export const SAMPLE_GREETINGS = [
  ['acmeCo/greetings', { id: 1, message: 'Hello, world' }],
  ['acmeCo/greetings', { id: 2, message: 'Hello again' }],
  ['acmeCo/greetings', { id: 3, message: 'Goodbye, world' }],
  ['acmeCo/greetings', { id: 4, message: 'Hi' }],
] as const

export function deriveDocumentsFile(): string {
  return SAMPLE_GREETINGS.map((pair) => JSON.stringify(pair)).join('\n') + '\n'
}

export function deriveMain(names: DeriveNames): string {
  return `// ${names.packageName}: a Flow derivation written with flowkit.
// It reads greetings and publishes \`{ word, count: 1 }\` for each word of each one; the derived
// collection's schema sums \`count\` per word (its reduce annotations), so Flow keeps one document
// per word with its total. Replace the transform with yours: a function of a source document that
// returns or yields the documents to publish.
import Type from 'typebox'
import { derive, runDerive } from 'flowkit/derive'

/** The derivation's config (its \`using.local.config\` in flow.yaml); \`config\` below is typed. */
const Config = Type.Object({
  minLength: Type.Integer({ minimum: 1, default: 1, description: 'Words shorter than this are not counted.' }),
})

/** A transform's \`lambda\` in flow.yaml: this one needs nothing. */
const Lambda = Type.Object({})

/** A document of acmeCo/greetings. */
interface Greeting {
  id: number
  message: string
}

await runDerive(
  derive({
    config: Config,
    lambda: Lambda,
    documentationUrl: 'https://example.com/${names.packageName}',
    open({ config }) {
      return {
        // One handler per transform of flow.yaml, in order.
        transforms: [
          function* fromGreetings(greeting: Greeting) {
            for (const word of greeting.message.toLowerCase().match(/[a-z']+/g) ?? []) {
              if (word.length >= config.minLength) yield { word, count: 1 }
            }
          },
        ],
      }
    },
  }),
)
`
}

export function deriveFlowYaml(names: DeriveNames): string {
  return `# A catalog with the collection the derivation reads and the collection it derives, for
# \`flowkit preview\`, \`flowkit raw\` and the tests. Paths in \`command\` are relative to the
# directory you run them from (this one).
collections:
  acmeCo/greetings:
    key: [/id]
    schema:
      type: object
      properties:
        id: { type: integer }
        message: { type: string }
      required: [id, message]

  ${names.taskName}:
    key: [/word]
    schema:
      type: object
      # The documents published for a word are combined into one: \`count\` is summed.
      reduce: { strategy: merge }
      properties:
        word: { type: string }
        count: { type: integer, reduce: { strategy: sum } }
      required: [word, count]
    derive:
      using:
        local:
          # Runs main.ts through tsx. Under a debugger: add --inspect to the preview.
          command: ["node", "--import", "tsx", "main.ts"]
          config:
            minLength: 2
      transforms:
        - name: fromGreetings
          source: acmeCo/greetings
          shuffle: any
          lambda: {}
`
}

export function deriveTest(names: DeriveNames): string {
  return `// Runs the derivation of flow.yaml over documents as Flow's runtime would, with flowkit/testing.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { deriveDocuments, loadDerivation } from 'flowkit/testing'

test('each word of each greeting is counted; Flow sums the counts per word', async () => {
  const { documents } = await deriveDocuments('flow.yaml', {
    documents: [
      ['acmeCo/greetings', { id: 1, message: 'Hello, world' }],
      ['acmeCo/greetings', { id: 2, message: 'Hello again' }],
      ['acmeCo/greetings', { id: 3, message: 'I said hello' }],
    ],
  })
  // One transaction: its published documents are combined per word, in key order. "i" is
  // shorter than the minLength of flow.yaml.
  assert.deepEqual(documents, [
    ['${names.taskName}', { word: 'again', count: 1 }],
    ['${names.taskName}', { word: 'hello', count: 3 }],
    ['${names.taskName}', { word: 'said', count: 1 }],
    ['${names.taskName}', { word: 'world', count: 1 }],
  ])
})

test('${names.taskName} is the only derivation of the catalog', () => {
  assert.equal(loadDerivation('flow.yaml').name, '${names.taskName}')
})
`
}
