// A node:http server on a free local port for the HTTP client's tests: each test gives its handler.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface LocalServer {
  readonly url: string
  /** Requests received so far. */
  readonly requests: IncomingMessage[]
  close(): Promise<void>
}

export type Handler = (request: IncomingMessage, response: ServerResponse, index: number) => void

export async function startServer(handler: Handler): Promise<LocalServer> {
  const requests: IncomingMessage[] = []
  const server = createServer((request, response) => {
    requests.push(request)
    handler(request, response, requests.length - 1)
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(JSON.stringify(body))
}

/** A logger that keeps its lines, for asserting what was (and was not) logged. */
export function memoryLogger() {
  const lines: string[] = []
  const at = (level: string) => (message: string, fields?: object) => void lines.push(JSON.stringify({ level, message, fields }))
  return {
    lines,
    logger: { level: 'debug' as const, enabled: () => true, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace') },
  }
}
