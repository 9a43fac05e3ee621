// Runs the source-http-api connector against the fake API of fake-api.ts, started in this
// process on a free local port (the config's baseUrl is replaced by its URL): what flow.yaml
// runs, so that a preview needs no network. The API goes away with the process.
import { runCapture } from 'flowkit/capture'
import { startFakeApi } from './fake-api.ts'
import { makeConnector } from './main.ts'

const api = await startFakeApi()
await runCapture(makeConnector({ baseUrl: api.url }))
