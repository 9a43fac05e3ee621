/**
 * An image endpoint made ready to run, as Flow's runtime makes it: a Docker engine must
 * answer, the image is pulled (unless its tag is `:local`), and its configuration says which
 * codec the connector speaks (the FLOW_RUNTIME_CODEC label, or variable, `json`; else
 * protobuf) and that it is a capture.
 */
import { spawn } from 'node:child_process'
import { ConfigError, ConnectorError } from '../errors.ts'
import type { ConnectorLog } from '../io/log-reader.ts'

export interface ImageOptions {
  /** Called with what the preparation has to say (a pull, a fallback to a local copy). */
  readonly onLog?: ((log: ConnectorLog) => void) | undefined
}

/** What the runtime needs to know of an image. */
export interface ImageInfo {
  readonly codec: 'json' | 'proto'
}

/** Images made ready by this process, so a preview's later sessions do not pull again. */
const preparedImages = new Map<string, Promise<ImageInfo>>()

/** The image ready to run, prepared once per process (a failed preparation is tried again). */
export function prepareImage(image: string, options: ImageOptions): Promise<ImageInfo> {
  let prepared = preparedImages.get(image)
  if (prepared === undefined) {
    prepared = readyImage(image, options)
    preparedImages.set(image, prepared)
    prepared.catch(() => preparedImages.delete(image))
  }
  return prepared
}

/** How long `docker version` may take to say whether an engine answers. */
const ENGINE_TIMEOUT_MS = 10_000

/** Checks for a Docker engine, pulls the image (unless `:local`) and reads its codec. */
async function readyImage(image: string, options: ImageOptions): Promise<ImageInfo> {
  const version = await docker(['version', '--format', '{{.Server.Version}}'], ENGINE_TIMEOUT_MS)
  if (version.code !== 0) {
    const why =
      version.error?.code === 'ENOENT'
        ? 'docker is not installed'
        : version.timedOut
          ? `\`docker version\` did not answer within ${ENGINE_TIMEOUT_MS / 1000} s`
          : `none answered \`docker version\` (${lastLine(version.stderr) || version.error?.message || `exit code ${version.code}`})`
    throw new ConnectorError(
      `cannot run the image ${image}: image endpoints need a running Docker engine, and ${why}; ` +
        'start Docker, or give the capture a local endpoint (endpoint.local.command) to run the connector without it',
    )
  }
  if (!image.endsWith(':local')) {
    options.onLog?.({ level: 'info', message: `pulling image ${image}`, fields: {} })
    const pull = await docker(['pull', '--quiet', image])
    if (pull.code !== 0) {
      const reason = lastLine(pull.stderr) || `exit code ${pull.code}`
      if ((await inspectImage(image)).code !== 0) throw new ConnectorError(`cannot pull the image ${image}: ${reason}`)
      options.onLog?.({ level: 'warn', message: `cannot pull the image ${image} (${reason}); running the copy this Docker engine has`, fields: {} })
    }
  }
  const inspected = await inspectImage(image)
  if (inspected.code !== 0) throw new ConnectorError(`cannot inspect the image ${image}: ${lastLine(inspected.stderr) || `exit code ${inspected.code}`}`)
  let config: { Labels?: Record<string, string> | null; Env?: string[] | null } | null
  try {
    config = JSON.parse(inspected.stdout)
  } catch {
    throw new ConnectorError(`cannot inspect the image ${image}: \`docker image inspect\` printed ${JSON.stringify(inspected.stdout.slice(0, 200))}`)
  }
  const labels = config?.Labels ?? {}
  const protocol = labels.FLOW_RUNTIME_PROTOCOL
  if (protocol !== undefined && protocol !== 'capture') {
    throw new ConfigError(`the image ${image} is a ${protocol} connector (its label FLOW_RUNTIME_PROTOCOL=${protocol}), not a capture`)
  }
  const fromEnv = config?.Env?.find((entry) => entry.startsWith('FLOW_RUNTIME_CODEC='))?.slice('FLOW_RUNTIME_CODEC='.length)
  return { codec: (labels.FLOW_RUNTIME_CODEC ?? fromEnv) === 'json' ? 'json' : 'proto' }
}

function inspectImage(image: string): Promise<DockerResult> {
  return docker(['image', 'inspect', '--format', '{{json .Config}}', image])
}

interface DockerResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly error?: NodeJS.ErrnoException
  readonly timedOut: boolean
}

/** Runs a docker command to its end, its output collected. */
function docker(args: readonly string[], timeoutMs?: number): Promise<DockerResult> {
  return new Promise((resolve) => {
    const child = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => ((timedOut = true), child.kill('SIGKILL')), timeoutMs)
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      resolve({ code: null, stdout, stderr, error, timedOut })
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code: timedOut ? null : code, stdout, stderr, timedOut })
    })
  })
}

/** The last non-blank line of a command's output, trimmed. */
function lastLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '').pop() ?? ''
}
