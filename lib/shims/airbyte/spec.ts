/**
 * A source's SPEC as Flow's Spec: its `connectionSpecification` is the config schema, and a
 * binding's resource is `{stream, namespace?, syncMode, cursorField?}`, with the resource path
 * `[namespace?, stream]`.
 */
import { ConnectorError } from '../../errors.ts'
import { applyMergePatch } from '../../json/merge-patch.ts'
import { isObject } from '../../json/values.ts'
import { PROTOCOL_VERSION, type CaptureResponse, type OAuth2 } from '../../protocol/index.ts'

/** What an author may change of the spec a source gives. */
export interface SpecPatch {
  /** An RFC 7396 merge patch over the source's config schema (`connectionSpecification`). */
  readonly config?: unknown
  /** Flow's OAuth2 spec: Airbyte's `advanced_auth` names the config fields but not the provider's URLs. */
  readonly oauth2?: OAuth2
  readonly documentationUrl?: string
}

export const RESOURCE_SCHEMA = {
  type: 'object',
  properties: {
    stream: { type: 'string', description: 'Name of the stream.' },
    namespace: { type: 'string', description: 'Namespace of the stream, when the source has them.' },
    syncMode: { type: 'string', enum: ['incremental', 'full_refresh'], description: 'How the source reads the stream.' },
    cursorField: { type: 'array', items: { type: 'string' }, description: 'Path of the cursor of an incremental stream.' },
  },
  required: ['stream', 'syncMode'],
} as const

export const RESOURCE_PATH_POINTERS = ['/namespace', '/stream']

/** The Flow Spec response for a source's SPEC message payload. */
export function flowSpec(spec: Record<string, unknown> | undefined, patch: SpecPatch = {}): CaptureResponse {
  if (!spec || !isObject(spec.connectionSpecification)) {
    throw new ConnectorError('the source answered spec without a SPEC message carrying a connectionSpecification')
  }
  const config = patch.config === undefined ? spec.connectionSpecification : applyMergePatch(spec.connectionSpecification, patch.config)
  const documentationUrl = patch.documentationUrl ?? (typeof spec.documentationUrl === 'string' ? spec.documentationUrl : '')
  return {
    spec: {
      protocol: PROTOCOL_VERSION,
      configSchemaJson: JSON.stringify(config),
      resourceConfigSchemaJson: JSON.stringify(RESOURCE_SCHEMA),
      documentationUrl,
      resourcePathPointers: RESOURCE_PATH_POINTERS,
      ...(patch.oauth2 ? { oauth2: patch.oauth2 } : {}),
    },
  }
}

/** Values of the config that its schema marks secret (`airbyte_secret` or `secret`), as texts, to keep out of logs. */
export function secretValues(schema: unknown, config: unknown): string[] {
  const out: string[] = []
  const visit = (node: unknown, value: unknown) => {
    if (!isObject(node)) return
    if ((node.airbyte_secret === true || node.secret === true) && value !== undefined && value !== null) {
      out.push(typeof value === 'string' ? value : JSON.stringify(value))
      return
    }
    for (const branch of ['oneOf', 'anyOf', 'allOf']) if (Array.isArray(node[branch])) for (const b of node[branch] as unknown[]) visit(b, value)
    if (isObject(value) && isObject(node.properties)) for (const [key, inner] of Object.entries(node.properties)) visit(inner, value[key])
  }
  visit(schema, config)
  return out
}
