// Golden test vectors for the capture, materialize and derive connector protocols.
//
// Every vector is hand-built from the field tables of Flow's protocol, newer fields included. For each Request / Response variant it gives:
//   json  — the message exactly as Flow's JSON codec writes it: one compact line, keys in .proto
//           declaration order, defaults omitted, raw `*_json` fields embedded verbatim, 64-bit
//           integers as strings, enums by name, bytes as padded base64, Timestamps with `+00:00`,
//           Durations as `"62.250s"`, map keys sorted;
//   proto — the exact protobuf bytes Flow's encoder writes (ascending field numbers, defaults not
//           emitted, empty-but-present sub-messages as tag + length 0, maps as key-sorted entries,
//           packed repeated enums), as lower-case hex WITHOUT the 4-byte frame length prefix.
//
// The JSON text is written by hand. The protobuf side is assembled with the schema-less helper in
// ./wire.ts, with every field number written literally from the doc's tables.
// Raw JSON texts (the `R_*` constants) are shared by both sides because they are carried verbatim,
// byte for byte: the JSON line embeds the text itself and the protobuf field holds its UTF-8 bytes.
// All data here (names, documents, schemas, checkpoints) is invented for these tests.

import { bytes, double, fixed32, fixed64, msg, packed, sub, toHex, varint } from './wire.ts'
import type { Field } from './wire.ts'

export type Protocol = 'capture' | 'materialize' | 'derive'
export type Kind = 'request' | 'response'

export interface GoldenVector {
  /** e.g. 'capture.Response.captured'; extra vectors of one variant add a `/suffix`. */
  readonly name: string
  readonly protocol: Protocol
  readonly kind: Kind
  /** One line of JSON, as Flow's JSON codec writes it (no trailing newline). */
  readonly json: string
  /** Hex of the protobuf encoding, no spaces, no 4-byte length prefix. */
  readonly proto: string
}

/** A JSON input that Flow's decoders accept but would never write; it decodes to `json` / `proto`. */
export interface InputVector extends GoldenVector {
  /** The lenient input line. */
  readonly input: string
  /** Which input rule of Flow's JSON mapping it exercises. */
  readonly rule: string
}

/** The five framed worked examples of a minimal capture session, byte for byte. */
export interface WorkedExample {
  readonly name: string
  readonly protocol: Protocol
  readonly kind: Kind
  /** The JSON line of the example. */
  readonly json: string
  /** The framed bytes (space-separated hex, 4-byte LE length first). */
  readonly printed: string
  /** `printed` without spaces. */
  readonly framed: string
}

// ---------------------------------------------------------------------------------------------
// Building blocks

/** A sub-message written both ways: its JSON object text and its protobuf fields. */
interface Part {
  readonly json: string
  readonly pb: readonly Field[]
}
const part = (json: string, ...pb: Field[]): Part => ({ json, pb })

const utf8 = (s: string): number[] => [...new TextEncoder().encode(s)]

// Timestamps used below (seconds since the epoch, nanos):
//   2023-12-31T23:59:59+00:00      = 1704067199
//   2024-01-01T00:00:00+00:00      = 1704067200
//   2024-09-03T14:07:12.456+00:00  = 1725372432, 456000000
//   2024-09-03T15:00:00+00:00      = 1725375600
//   2025-06-30T23:59:59.123+00:00  = 1751327999, 123000000

// Byte strings (and their padded standard base64):
const SALT_CAPTURE = Uint8Array.from([0x8f, 0x3a, 0xfe, 0x10, 0x7b, 0xbf, 0x00, 0x41, 0xd2, 0xfc, 0x63, 0x9e, 0x05, 0x77, 0xe8, 0xfb]) // jzr+EHu/AEHS/GOeBXfo+w==
const SALT_DERIVE = Uint8Array.from([0x5d, 0xe0, 0x00, 0xff, 0x13, 0x37, 0xbe, 0xef, 0xc0, 0xde]) // XeAA/xM3vu/A3g==
const PRODUCER_A = Uint8Array.from([0xfb, 0xef, 0xbe, 0x0a, 0x1b, 0x2c]) // ++++Chss
const PRODUCER_B = Uint8Array.from([0xfe, 0x4d, 0x7a, 0x90, 0x01, 0xff]) // /k16kAH/
const PRODUCER_C = Uint8Array.from([0x01, 0x02, 0x03, 0x04, 0x05, 0x06]) // AQIDBAUG
const ACK_INTENT_A = '{"_meta":{"uuid":"7d2c1b0a-6a1f-11ef-8400-0a0b0c0d0e0f","ack":true}}\n' // eyJfbWV0YSI6eyJ1dWlkIjoiN2QyYzFiMGEtNmExZi0xMWVmLTg0MDAtMGEwYjBjMGQwZTBmIiwiYWNrIjp0cnVlfX0K
const ACK_INTENT_B = '{"_meta":{"uuid":"7d2c1b0a-6a1f-11ef-8400-fb0ff00d0e0f","ack":true}}\n' // eyJfbWV0YSI6eyJ1dWlkIjoiN2QyYzFiMGEtNmExZi0xMWVmLTg0MDAtZmIwZmYwMGQwZTBmIiwiYWNrIjp0cnVlfX0K
// FoundationDB tuples:
const TUPLE_1042 = Uint8Array.from([0x16, 0x04, 0x12]) // (1042) -> FgQS
const TUPLE_ACME = Uint8Array.from([0x02, ...utf8('acme'), 0x00]) // ("acme") -> AmFjbWUA
const TUPLE_ORDER_VALUES = Uint8Array.from([
  0x02, ...utf8('7d2c1b0a-6a1f-11ef-8400-0a0b0c0d0e0f'), 0x00, // string
  0x00, // null
  0x02, ...utf8('[{"sku":"A-1"}]'), 0x00, // string
  0x21, 0xbf, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // double 1.0
]) // AjdkMmMxYjBhLTZhMWYtMTFlZi04NDAwLTBhMGIwYzBkMGUwZgAAAlt7InNrdSI6IkEtMSJ9XQAhv/AAAAAAAAA=
// An opaque runtime-private `$internal` payload.
const INTERNAL = msg(bytes(1, 'debug'), varint(2, 65534)) // CgVkZWJ1ZxD+/wM=

// ---------------------------------------------------------------------------------------------
// Gazette: labels, journal specs, shard specs

const LABEL_MANAGED = part(
  '{"name":"app.gazette.dev/managed-by","value":"estuary.dev/flow"}',
  bytes(1, 'app.gazette.dev/managed-by'), bytes(2, 'estuary.dev/flow'),
)

const JOURNAL_ORDERS = part(
  String.raw`{"name":"acmeCo/orders","replication":3,"labels":{"labels":[${LABEL_MANAGED.json},{"name":"content-type","value":"application/x-ndjson"},{"name":"estuary.dev/collection","value":"acmeCo/orders"}]},"fragment":{"length":"536870912","compressionCodec":"GZIP","stores":["gs://acme-flow/collection-data/"],"refreshInterval":"300s","retention":"2592000s","flushInterval":"86400s","pathPostfixTemplate":"utc_date={{.Spool.FirstAppendTime.Format \"2006-01-02\"}}"},"flags":4,"maxAppendRate":"4194304"}`,
  bytes(1, 'acmeCo/orders'),
  varint(2, 3),
  sub(3,
    sub(1, ...LABEL_MANAGED.pb),
    sub(1, bytes(1, 'content-type'), bytes(2, 'application/x-ndjson')),
    sub(1, bytes(1, 'estuary.dev/collection'), bytes(2, 'acmeCo/orders'))),
  sub(4,
    varint(1, 536870912),
    varint(2, 2), // GZIP
    bytes(3, 'gs://acme-flow/collection-data/'),
    sub(4, varint(1, 300)),
    sub(5, varint(1, 2592000)),
    sub(6, varint(1, 86400)),
    bytes(7, 'utc_date={{.Spool.FirstAppendTime.Format "2006-01-02"}}')),
  varint(6, 4), // O_RDWR
  varint(7, 4194304),
)

const JOURNAL_CUSTOMERS = part(
  '{"name":"acmeCo/customers","replication":3,"fragment":{"length":"536870912","compressionCodec":"ZSTANDARD","stores":["gs://acme-flow/collection-data/","s3://acme-flow-backup/collection-data/"],"refreshInterval":"300s"},"flags":4}',
  bytes(1, 'acmeCo/customers'),
  varint(2, 3),
  sub(4,
    varint(1, 536870912),
    varint(2, 3), // ZSTANDARD
    bytes(3, 'gs://acme-flow/collection-data/'),
    bytes(3, 's3://acme-flow-backup/collection-data/'),
    sub(4, varint(1, 300))),
  varint(6, 4),
)

const JOURNAL_TOTALS = part(
  '{"name":"acmeCo/order-totals","replication":3,"fragment":{"length":"536870912","compressionCodec":"GZIP_OFFLOAD_DECOMPRESSION","stores":["gs://acme-flow/collection-data/"],"refreshInterval":"300s"},"flags":4}',
  bytes(1, 'acmeCo/order-totals'),
  varint(2, 3),
  sub(4,
    varint(1, 536870912),
    varint(2, 5), // GZIP_OFFLOAD_DECOMPRESSION
    bytes(3, 'gs://acme-flow/collection-data/'),
    sub(4, varint(1, 300))),
  varint(6, 4),
)

const RECOVERY_CAPTURE = part(
  `{"name":"recovery/capture/acmeCo/source-orders/2f1e0d9c8b7a6543","replication":3,"labels":{"labels":[${LABEL_MANAGED.json},{"name":"content-type","value":"application/x-gazette-recoverylog"}]},"fragment":{"length":"268435456","compressionCodec":"SNAPPY","stores":["gs://acme-flow/recovery/"],"refreshInterval":"300s","flushInterval":"172800s"},"flags":4,"maxAppendRate":"4194304"}`,
  bytes(1, 'recovery/capture/acmeCo/source-orders/2f1e0d9c8b7a6543'),
  varint(2, 3),
  sub(3,
    sub(1, ...LABEL_MANAGED.pb),
    sub(1, bytes(1, 'content-type'), bytes(2, 'application/x-gazette-recoverylog'))),
  sub(4,
    varint(1, 268435456),
    varint(2, 4), // SNAPPY
    bytes(3, 'gs://acme-flow/recovery/'),
    sub(4, varint(1, 300)),
    sub(6, varint(1, 172800))),
  varint(6, 4),
  varint(7, 4194304),
)

const RECOVERY_MATERIALIZE = part(
  '{"name":"recovery/materialize/acmeCo/warehouse/7c6b5a4938271605","replication":3,"fragment":{"length":"268435456","compressionCodec":"NONE","stores":["s3://acme-flow-recovery/?profile=flow&endpoint=https%3A%2F%2Fs3.example.com"],"refreshInterval":"300s"},"flags":4}',
  bytes(1, 'recovery/materialize/acmeCo/warehouse/7c6b5a4938271605'),
  varint(2, 3),
  sub(4,
    varint(1, 268435456),
    varint(2, 1), // NONE
    bytes(3, 's3://acme-flow-recovery/?profile=flow&endpoint=https%3A%2F%2Fs3.example.com'),
    sub(4, varint(1, 300))),
  varint(6, 4),
)

const RECOVERY_DERIVE = part(
  '{"name":"recovery/derivation/acmeCo/order-totals/5a4b3c2d1e0f9a8b","replication":1,"fragment":{"length":"268435456","compressionCodec":"SNAPPY","stores":["gs://acme-flow/recovery/"],"flushInterval":"3600s"},"flags":4}',
  bytes(1, 'recovery/derivation/acmeCo/order-totals/5a4b3c2d1e0f9a8b'),
  varint(2, 1),
  sub(4,
    varint(1, 268435456),
    varint(2, 4), // SNAPPY
    bytes(3, 'gs://acme-flow/recovery/'),
    sub(6, varint(1, 3600))),
  varint(6, 4),
)

const SHARD_CAPTURE = part(
  `{"id":"capture/acmeCo/source-orders/2f1e0d9c8b7a6543","recoveryLogPrefix":"recovery","hintPrefix":"/estuary/flow/hints","hintBackups":2,"maxTxnDuration":"62.250s","minTxnDuration":"0.250s","hotStandbys":1,"labels":{"labels":[${LABEL_MANAGED.json},{"name":"estuary.dev/log-level","value":"info"},{"name":"estuary.dev/task-name","value":"acmeCo/source-orders"},{"name":"estuary.dev/task-type","value":"capture"}]},"ringBufferSize":65536,"readChannelSize":4096}`,
  bytes(1, 'capture/acmeCo/source-orders/2f1e0d9c8b7a6543'),
  bytes(3, 'recovery'),
  bytes(4, '/estuary/flow/hints'),
  varint(5, 2),
  sub(6, varint(1, 62), varint(2, 250000000)),
  sub(7, varint(2, 250000000)), // seconds 0 omitted
  varint(9, 1),
  sub(10,
    sub(1, ...LABEL_MANAGED.pb),
    sub(1, bytes(1, 'estuary.dev/log-level'), bytes(2, 'info')),
    sub(1, bytes(1, 'estuary.dev/task-name'), bytes(2, 'acmeCo/source-orders')),
    sub(1, bytes(1, 'estuary.dev/task-type'), bytes(2, 'capture'))),
  varint(12, 65536),
  varint(13, 4096),
)

const SHARD_MATERIALIZE = part(
  '{"id":"materialize/acmeCo/warehouse/7c6b5a4938271605","recoveryLogPrefix":"recovery","hintPrefix":"/estuary/flow/hints","hintBackups":2,"maxTxnDuration":"300s","minTxnDuration":"60s","labels":{"labels":[{"name":"estuary.dev/task-name","value":"acmeCo/warehouse"},{"name":"estuary.dev/task-type","value":"materialization"}]},"ringBufferSize":65536,"readChannelSize":4096}',
  bytes(1, 'materialize/acmeCo/warehouse/7c6b5a4938271605'),
  bytes(3, 'recovery'),
  bytes(4, '/estuary/flow/hints'),
  varint(5, 2),
  sub(6, varint(1, 300)),
  sub(7, varint(1, 60)),
  sub(10,
    sub(1, bytes(1, 'estuary.dev/task-name'), bytes(2, 'acmeCo/warehouse')),
    sub(1, bytes(1, 'estuary.dev/task-type'), bytes(2, 'materialization'))),
  varint(12, 65536),
  varint(13, 4096),
)

const SHARD_DERIVE = part(
  '{"id":"derivation/acmeCo/order-totals/5a4b3c2d1e0f9a8b","sources":[{"journal":"acmeCo/orders/pivot=00","minOffset":"1024"},{"journal":"acmeCo/customers/pivot=00"}],"recoveryLogPrefix":"recovery","hintPrefix":"/estuary/flow/hints","hintBackups":2,"maxTxnDuration":"1s","disable":true,"labels":{"labels":[{"name":"estuary.dev/task-name","value":"acmeCo/order-totals"},{"name":"estuary.dev/task-type","value":"derivation"}]},"disableWaitForAck":true}',
  bytes(1, 'derivation/acmeCo/order-totals/5a4b3c2d1e0f9a8b'),
  sub(2, bytes(1, 'acmeCo/orders/pivot=00'), varint(3, 1024)),
  sub(2, bytes(1, 'acmeCo/customers/pivot=00')),
  bytes(3, 'recovery'),
  bytes(4, '/estuary/flow/hints'),
  varint(5, 2),
  sub(6, varint(1, 1)),
  varint(8, true),
  sub(10,
    sub(1, bytes(1, 'estuary.dev/task-name'), bytes(2, 'acmeCo/order-totals')),
    sub(1, bytes(1, 'estuary.dev/task-type'), bytes(2, 'derivation'))),
  varint(11, true),
)

// consumer.Checkpoint: map<journal, Source> (key-sorted), producers with 6-byte ids, fixed64
// last_ack, int64 begin (one of them -1), ack intents map<journal, bytes>.
const CHECKPOINT_MATERIALIZE = part(
  '{"sources":{"acmeCo/customers/pivot=00;materialize/acmeCo/warehouse/analytics%2Fcustomers_log":{"readThrough":"88172"},"acmeCo/orders/region=eu-west/pivot=00;materialize/acmeCo/warehouse/analytics%2Forders":{"readThrough":"9007199254740993","producers":[{"id":"++++Chss","state":{"lastAck":"7409216213468118273","begin":"9007199254740000"}},{"id":"/k16kAH/","state":{"lastAck":"18446744073709551615","begin":"-1"}}]}},"ackIntents":{"acmeCo/order-totals/pivot=00":"eyJfbWV0YSI6eyJ1dWlkIjoiN2QyYzFiMGEtNmExZi0xMWVmLTg0MDAtMGEwYjBjMGQwZTBmIiwiYWNrIjp0cnVlfX0K","ops/acmeCo/stats/kind=materialization/name=acmeCo%2Fwarehouse/pivot=00":"eyJfbWV0YSI6eyJ1dWlkIjoiN2QyYzFiMGEtNmExZi0xMWVmLTg0MDAtZmIwZmYwMGQwZTBmIiwiYWNrIjp0cnVlfX0K"}}',
  sub(1,
    bytes(1, 'acmeCo/customers/pivot=00;materialize/acmeCo/warehouse/analytics%2Fcustomers_log'),
    sub(2, varint(1, 88172))),
  sub(1,
    bytes(1, 'acmeCo/orders/region=eu-west/pivot=00;materialize/acmeCo/warehouse/analytics%2Forders'),
    sub(2,
      varint(1, 9007199254740993n),
      sub(2, bytes(1, PRODUCER_A), sub(2, fixed64(1, 7409216213468118273n), varint(2, 9007199254740000n))),
      sub(2, bytes(1, PRODUCER_B), sub(2, fixed64(1, 18446744073709551615n), varint(2, -1))))),
  sub(2, bytes(1, 'acmeCo/order-totals/pivot=00'), bytes(2, ACK_INTENT_A)),
  sub(2, bytes(1, 'ops/acmeCo/stats/kind=materialization/name=acmeCo%2Fwarehouse/pivot=00'), bytes(2, ACK_INTENT_B)),
)

const CHECKPOINT_DERIVE = part(
  '{"sources":{"acmeCo/customers/pivot=00;derive/acmeCo/order-totals/fromCustomers":{"readThrough":"4096"},"acmeCo/orders/pivot=00;derive/acmeCo/order-totals/fromOrders":{"readThrough":"1048576","producers":[{"id":"AQIDBAUG","state":{"lastAck":"81985529216486895"}}]}},"ackIntents":{"acmeCo/order-totals/pivot=00":"eyJfbWV0YSI6eyJ1dWlkIjoiN2QyYzFiMGEtNmExZi0xMWVmLTg0MDAtMGEwYjBjMGQwZTBmIiwiYWNrIjp0cnVlfX0K"}}',
  sub(1,
    bytes(1, 'acmeCo/customers/pivot=00;derive/acmeCo/order-totals/fromCustomers'),
    sub(2, varint(1, 4096))),
  sub(1,
    bytes(1, 'acmeCo/orders/pivot=00;derive/acmeCo/order-totals/fromOrders'),
    sub(2,
      varint(1, 1048576),
      sub(2, bytes(1, PRODUCER_C), sub(2, fixed64(1, 81985529216486895n))))), // begin 0 omitted
  sub(2, bytes(1, 'acmeCo/order-totals/pivot=00'), bytes(2, ACK_INTENT_A)),
)

// ---------------------------------------------------------------------------------------------
// Collections: projections with inference, raw schemas, partition templates.

const R_ACK_TEMPLATE = '{"_meta":{"uuid":"DocUUIDPlaceholder-329Bb50aa48EAa9ef","ack":true}}'

const R_ORDERS_WRITE_SCHEMA = '{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"_meta":{"type":"object","properties":{"uuid":{"type":"string","format":"uuid"}}},"id":{"type":"integer","minimum":0},"region":{"type":"string","enum":["us-east","eu-west"],"default":"us-east","maxLength":16},"total":{"type":"number","minimum":-0.5,"maximum":125000.75,"reduce":{"strategy":"sum"}},"items":{"type":"array","minItems":1,"maxItems":1e2,"items":{"type":"object"},"reduce":{"strategy":"append"}},"customer":{"type":"object","properties":{"email":{"type":["null","string"],"format":"email","maxLength":254,"secret":true}}}},"required":["id","region","total"],"reduce":{"strategy":"merge"}}'
const R_ORDERS_READ_SCHEMA = '{"$ref":"flow://write-schema","properties":{"total":{"multipleOf":0.01,"exclusiveMaximum":1.0e6}}}'

const PROJ_ORDERS_UUID = part(
  String.raw`{"ptr":"/_meta/uuid","field":"_meta/uuid","inference":{"types":["string"],"string":{"format":"uuid"},"title":"Flow document UUID","description":"Unique identifier of the document.\nSet by Flow at publication.","exists":"MUST"}}`,
  bytes(1, '/_meta/uuid'),
  bytes(2, '_meta/uuid'),
  sub(6,
    bytes(1, 'string'),
    sub(3, bytes(4, 'uuid')),
    bytes(4, 'Flow document UUID'),
    bytes(5, 'Unique identifier of the document.\nSet by Flow at publication.'),
    varint(8, 1)), // MUST
)
const PROJ_ORDERS_EMAIL = part(
  '{"ptr":"/customer/email","field":"customer/email","inference":{"types":["null","string"],"string":{"format":"email","maxLength":254},"secret":true,"exists":"MAY","redact":"REDACT_SHA256"}}',
  bytes(1, '/customer/email'),
  bytes(2, 'customer/email'),
  sub(6,
    bytes(1, 'null'),
    bytes(1, 'string'),
    sub(3, bytes(4, 'email'), varint(6, 254)),
    varint(7, true),
    varint(8, 2), // MAY
    varint(13, 3)), // REDACT_SHA256
)
const PROJ_ORDERS_ROOT = part(
  // ptr "" (the document root) is the default, so it is omitted.
  '{"field":"flow_document","inference":{"types":["object"],"exists":"MUST","reduce":"REDUCE_MERGE"}}',
  bytes(2, 'flow_document'),
  sub(6, bytes(1, 'object'), varint(8, 1), varint(12, 6)),
)
const PROJ_ORDERS_ID = part(
  // hasMinimum with minimum 0.0: the default double is omitted.
  '{"ptr":"/id","field":"id","isPrimaryKey":true,"inference":{"types":["integer"],"exists":"MUST","numeric":{"hasMinimum":true}}}',
  bytes(1, '/id'),
  bytes(2, 'id'),
  varint(5, true),
  sub(6, bytes(1, 'integer'), varint(8, 1), sub(9, varint(1, true))),
)
const PROJ_ORDERS_ITEMS = part(
  '{"ptr":"/items","field":"items","inference":{"types":["array"],"exists":"MAY","array":{"minItems":1,"hasMaxItems":true,"maxItems":100,"itemTypes":["object"]},"reduce":"REDUCE_APPEND"}}',
  bytes(1, '/items'),
  bytes(2, 'items'),
  sub(6,
    bytes(1, 'array'),
    varint(8, 2),
    sub(10, varint(1, 1), varint(2, true), varint(3, 100), bytes(4, 'object')),
    varint(12, 2)), // REDUCE_APPEND
)
const PROJ_ORDERS_REGION = part(
  // default_json and enum_json_vec are raw: `"us-east"` (with its quotes) is the JSON text.
  '{"ptr":"/region","field":"region","explicit":true,"isPartitionKey":true,"inference":{"types":["string"],"string":{"maxLength":16},"title":"Sales region","default":"us-east","exists":"MUST","enum":["us-east","eu-west"]}}',
  bytes(1, '/region'),
  bytes(2, 'region'),
  varint(3, true),
  varint(4, true),
  sub(6,
    bytes(1, 'string'),
    sub(3, varint(6, 16)),
    bytes(4, 'Sales region'),
    bytes(6, '"us-east"'),
    varint(8, 1),
    bytes(11, '"us-east"'),
    bytes(11, '"eu-west"')),
)
const PROJ_ORDERS_TOTAL = part(
  String.raw`{"ptr":"/total","field":"total","inference":{"types":["number"],"description":"Order total in \"USD\"","exists":"MUST","numeric":{"hasMinimum":true,"minimum":-0.5,"hasMaximum":true,"maximum":125000.75},"reduce":"REDUCE_SUM"}}`,
  bytes(1, '/total'),
  bytes(2, 'total'),
  sub(6,
    bytes(1, 'number'),
    bytes(5, 'Order total in "USD"'),
    varint(8, 1),
    sub(9, varint(1, true), double(2, -0.5), varint(3, true), double(4, 125000.75)),
    varint(12, 9)), // REDUCE_SUM
)

const COLLECTION_ORDERS = part(
  `{"name":"acmeCo/orders","key":["/id"],"uuidPtr":"/_meta/uuid","partitionFields":["region"],"projections":[${[PROJ_ORDERS_UUID, PROJ_ORDERS_EMAIL, PROJ_ORDERS_ROOT, PROJ_ORDERS_ID, PROJ_ORDERS_ITEMS, PROJ_ORDERS_REGION, PROJ_ORDERS_TOTAL].map((p) => p.json).join(',')}],"ackTemplate":${R_ACK_TEMPLATE},"writeSchema":${R_ORDERS_WRITE_SCHEMA},"partitionTemplate":${JOURNAL_ORDERS.json},"readSchema":${R_ORDERS_READ_SCHEMA}}`,
  bytes(1, 'acmeCo/orders'),
  bytes(3, '/id'),
  bytes(4, '/_meta/uuid'),
  bytes(5, 'region'),
  sub(6, ...PROJ_ORDERS_UUID.pb),
  sub(6, ...PROJ_ORDERS_EMAIL.pb),
  sub(6, ...PROJ_ORDERS_ROOT.pb),
  sub(6, ...PROJ_ORDERS_ID.pb),
  sub(6, ...PROJ_ORDERS_ITEMS.pb),
  sub(6, ...PROJ_ORDERS_REGION.pb),
  sub(6, ...PROJ_ORDERS_TOTAL.pb),
  bytes(7, R_ACK_TEMPLATE),
  bytes(8, R_ORDERS_WRITE_SCHEMA),
  sub(9, ...JOURNAL_ORDERS.pb),
  bytes(11, R_ORDERS_READ_SCHEMA),
)

const R_CUSTOMERS_WRITE_SCHEMA = '{"type":"object","properties":{"_meta":{"type":"object"},"tenant":{"type":"string"},"id":{"type":"integer"},"name":{"type":"string","title":"Café name","contentMediaType":"text/plain; charset=utf-8"},"balance":{"type":["integer","string"],"format":"integer"}},"required":["tenant","id"]}'

const PROJ_CUSTOMERS_BALANCE = part(
  '{"ptr":"/balance","field":"balance","inference":{"types":["integer","string"],"string":{"format":"integer","strMinimum":"-10","strMaximum":"99999999999999999999"},"exists":"IMPLICIT","reduce":"REDUCE_LAST_WRITE_WINS"}}',
  bytes(1, '/balance'),
  bytes(2, 'balance'),
  sub(6,
    bytes(1, 'integer'),
    bytes(1, 'string'),
    sub(3, bytes(4, 'integer'), bytes(8, '-10'), bytes(9, '99999999999999999999')),
    varint(8, 3), // IMPLICIT
    varint(12, 4)), // REDUCE_LAST_WRITE_WINS
)
const PROJ_ID_KEY = part(
  '{"ptr":"/id","field":"id","isPrimaryKey":true,"inference":{"types":["integer"],"exists":"MUST"}}',
  bytes(1, '/id'),
  bytes(2, 'id'),
  varint(5, true),
  sub(6, bytes(1, 'integer'), varint(8, 1)),
)
const PROJ_CUSTOMERS_NAME = part(
  '{"ptr":"/name","field":"name","inference":{"types":["string"],"string":{"contentType":"text/plain","contentEncoding":"quoted-printable"},"title":"Café name","exists":"MAY","contentMediaType":"text/plain; charset=utf-8"}}',
  bytes(1, '/name'),
  bytes(2, 'name'),
  sub(6,
    bytes(1, 'string'),
    sub(3, bytes(3, 'text/plain'), bytes(7, 'quoted-printable')),
    bytes(4, 'Café name'),
    varint(8, 2),
    bytes(14, 'text/plain; charset=utf-8')),
)
const PROJ_CUSTOMERS_TENANT = part(
  '{"ptr":"/tenant","field":"tenant","isPrimaryKey":true,"inference":{"types":["string"],"exists":"MUST"}}',
  bytes(1, '/tenant'),
  bytes(2, 'tenant'),
  varint(5, true),
  sub(6, bytes(1, 'string'), varint(8, 1)),
)

const COLLECTION_CUSTOMERS = part(
  `{"name":"acmeCo/customers","key":["/tenant","/id"],"uuidPtr":"/_meta/uuid","projections":[${PROJ_CUSTOMERS_BALANCE.json},${PROJ_ID_KEY.json},${PROJ_CUSTOMERS_NAME.json},${PROJ_CUSTOMERS_TENANT.json}],"ackTemplate":${R_ACK_TEMPLATE},"writeSchema":${R_CUSTOMERS_WRITE_SCHEMA},"partitionTemplate":${JOURNAL_CUSTOMERS.json}}`,
  bytes(1, 'acmeCo/customers'),
  bytes(3, '/tenant'),
  bytes(3, '/id'),
  bytes(4, '/_meta/uuid'),
  sub(6, ...PROJ_CUSTOMERS_BALANCE.pb),
  sub(6, ...PROJ_ID_KEY.pb),
  sub(6, ...PROJ_CUSTOMERS_NAME.pb),
  sub(6, ...PROJ_CUSTOMERS_TENANT.pb),
  bytes(7, R_ACK_TEMPLATE),
  bytes(8, R_CUSTOMERS_WRITE_SCHEMA),
  sub(9, ...JOURNAL_CUSTOMERS.pb),
)

const R_LEGACY_WRITE_SCHEMA = '{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}'
const COLLECTION_LEGACY = part(
  `{"name":"acmeCo/legacy-orders","key":["/id"],"uuidPtr":"/_meta/uuid","projections":[${PROJ_ID_KEY.json}],"writeSchema":${R_LEGACY_WRITE_SCHEMA}}`,
  bytes(1, 'acmeCo/legacy-orders'),
  bytes(3, '/id'),
  bytes(4, '/_meta/uuid'),
  sub(6, ...PROJ_ID_KEY.pb),
  bytes(8, R_LEGACY_WRITE_SCHEMA),
)

// The derived collection acmeCo/order-totals (SQLite derivation, linked-collections form).
const R_TOTALS_WRITE_SCHEMA = '{"type":"object","properties":{"region":{"type":"string"},"amount":{"type":"number","reduce":{"strategy":"sum"}}},"required":["region","amount"],"reduce":{"strategy":"merge"}}'
const R_SQLITE_CONFIG = String.raw`{"migrations":["CREATE TABLE totals (\n  region TEXT PRIMARY KEY,\n  amount REAL NOT NULL DEFAULT 0.0\n);"],"busyTimeout":1e3,"webhookToken":"whk_live_1e3"}`
const R_SQLITE_CONFIG_V1 = '{"migrations":[]}'
const R_LAMBDA_FROM_ORDERS = String.raw`"INSERT INTO totals (region, amount) VALUES ($region, $total)\n  ON CONFLICT (region) DO UPDATE SET amount = amount + $total;"`
const R_LAMBDA_FROM_CUSTOMERS = '"SELECT $tenant AS region, 0.0 AS amount;"'
const R_SHUFFLE_FROM_CUSTOMERS = '"SELECT $tenant;"'

const LABEL_REGION_SELECTOR = part(
  '{"include":{"labels":[{"name":"estuary.dev/field/region","value":"us-east"}]},"exclude":{"labels":[{"name":"estuary.dev/field/region","value":"eu-","prefix":true}]}}',
  sub(1, sub(1, bytes(1, 'estuary.dev/field/region'), bytes(2, 'us-east'))),
  sub(2, sub(1, bytes(1, 'estuary.dev/field/region'), bytes(2, 'eu-'), varint(3, true))),
)

const TRANSFORM_FROM_ORDERS = part(
  // collection_index 0 (the default) points at linkedCollections[0].
  `{"name":"fromOrders","partitionSelector":${LABEL_REGION_SELECTOR.json},"priority":1,"readDelaySeconds":3600,"shuffleKey":["/region"],"lambdaConfig":${R_LAMBDA_FROM_ORDERS},"journalReadSuffix":"derive/acmeCo/order-totals/fromOrders","notBefore":"2023-12-31T23:59:59+00:00","notAfter":"2025-06-30T23:59:59.123+00:00","backfill":3,"stateKey":"fromOrders.v3"}`,
  bytes(1, 'fromOrders'),
  sub(3, ...LABEL_REGION_SELECTOR.pb),
  varint(4, 1),
  varint(5, 3600),
  bytes(6, '/region'),
  bytes(8, R_LAMBDA_FROM_ORDERS),
  bytes(10, 'derive/acmeCo/order-totals/fromOrders'),
  sub(11, varint(1, 1704067199)),
  sub(12, varint(1, 1751327999), varint(2, 123000000)),
  varint(13, 3),
  bytes(14, 'fromOrders.v3'),
)
const TRANSFORM_FROM_CUSTOMERS = part(
  `{"name":"fromCustomers","shuffleLambdaConfig":${R_SHUFFLE_FROM_CUSTOMERS},"lambdaConfig":${R_LAMBDA_FROM_CUSTOMERS},"readOnly":true,"journalReadSuffix":"derive/acmeCo/order-totals/fromCustomers","stateKey":"fromCustomers","collectionIndex":1}`,
  bytes(1, 'fromCustomers'),
  bytes(7, R_SHUFFLE_FROM_CUSTOMERS),
  bytes(8, R_LAMBDA_FROM_CUSTOMERS),
  varint(9, true),
  bytes(10, 'derive/acmeCo/order-totals/fromCustomers'),
  bytes(14, 'fromCustomers'),
  varint(15, 1),
)
const TRANSFORM_FROM_LEGACY = part(
  '{"name":"fromLegacy","shuffleKey":["/id"],"lambdaConfig":"SELECT NULL;","stateKey":"fromLegacy","collectionIndex":2}',
  bytes(1, 'fromLegacy'),
  bytes(6, '/id'),
  bytes(8, '"SELECT NULL;"'),
  bytes(14, 'fromLegacy'),
  varint(15, 2),
)

const DERIVATION_TOTALS = part(
  `{"connectorType":"SQLITE","config":${R_SQLITE_CONFIG},"transforms":[${TRANSFORM_FROM_ORDERS.json},${TRANSFORM_FROM_CUSTOMERS.json}],"shuffleKeyTypes":["STRING"],"shardTemplate":${SHARD_DERIVE.json},"recoveryLogTemplate":${RECOVERY_DERIVE.json},"inactiveTransforms":[${TRANSFORM_FROM_LEGACY.json}],"redactSalt":"XeAA/xM3vu/A3g==","linkedCollections":[${COLLECTION_ORDERS.json},${COLLECTION_CUSTOMERS.json},${COLLECTION_LEGACY.json}],"secrets":{"/webhookToken":"acmeCo/rollup-webhook-token"}}`,
  varint(1, 1), // SQLITE
  bytes(2, R_SQLITE_CONFIG),
  sub(3, ...TRANSFORM_FROM_ORDERS.pb),
  sub(3, ...TRANSFORM_FROM_CUSTOMERS.pb),
  packed(4, [3]), // STRING
  sub(5, ...SHARD_DERIVE.pb),
  sub(6, ...RECOVERY_DERIVE.pb),
  sub(8, ...TRANSFORM_FROM_LEGACY.pb),
  bytes(9, SALT_DERIVE),
  sub(10, ...COLLECTION_ORDERS.pb),
  sub(10, ...COLLECTION_CUSTOMERS.pb),
  sub(10, ...COLLECTION_LEGACY.pb),
  sub(11, bytes(1, '/webhookToken'), bytes(2, 'acmeCo/rollup-webhook-token')),
)

const PROJ_TOTALS_AMOUNT = part(
  '{"ptr":"/amount","field":"amount","inference":{"types":["number"],"exists":"MUST","reduce":"REDUCE_SUM"}}',
  bytes(1, '/amount'),
  bytes(2, 'amount'),
  sub(6, bytes(1, 'number'), varint(8, 1), varint(12, 9)),
)
const PROJ_TOTALS_REGION = part(
  '{"ptr":"/region","field":"region","isPrimaryKey":true,"inference":{"types":["string"],"exists":"MUST"}}',
  bytes(1, '/region'),
  bytes(2, 'region'),
  varint(5, true),
  sub(6, bytes(1, 'string'), varint(8, 1)),
)

const COLLECTION_TOTALS = part(
  `{"name":"acmeCo/order-totals","key":["/region"],"uuidPtr":"/_meta/uuid","projections":[${PROJ_TOTALS_AMOUNT.json},${PROJ_TOTALS_REGION.json}],"ackTemplate":${R_ACK_TEMPLATE},"writeSchema":${R_TOTALS_WRITE_SCHEMA},"partitionTemplate":${JOURNAL_TOTALS.json},"derivation":${DERIVATION_TOTALS.json}}`,
  bytes(1, 'acmeCo/order-totals'),
  bytes(3, '/region'),
  bytes(4, '/_meta/uuid'),
  sub(6, ...PROJ_TOTALS_AMOUNT.pb),
  sub(6, ...PROJ_TOTALS_REGION.pb),
  bytes(7, R_ACK_TEMPLATE),
  bytes(8, R_TOTALS_WRITE_SCHEMA),
  sub(9, ...JOURNAL_TOTALS.pb),
  sub(12, ...DERIVATION_TOTALS.pb),
)

// The previous version of acmeCo/order-totals: inline-collection form of a Derivation.Transform.
const COLLECTION_TOTALS_PREVIOUS = part(
  `{"name":"acmeCo/order-totals","key":["/region"],"uuidPtr":"/_meta/uuid","writeSchema":${R_TOTALS_WRITE_SCHEMA},"derivation":{"connectorType":"SQLITE","config":${R_SQLITE_CONFIG_V1},"transforms":[{"name":"fromOrders","collection":${COLLECTION_LEGACY.json},"shuffleKey":["/id"],"lambdaConfig":"SELECT 1;"}],"shuffleKeyTypes":["INTEGER"]}}`,
  bytes(1, 'acmeCo/order-totals'),
  bytes(3, '/region'),
  bytes(4, '/_meta/uuid'),
  bytes(8, R_TOTALS_WRITE_SCHEMA),
  sub(12,
    varint(1, 1),
    bytes(2, R_SQLITE_CONFIG_V1),
    sub(3, bytes(1, 'fromOrders'), sub(2, ...COLLECTION_LEGACY.pb), bytes(6, '/id'), bytes(8, '"SELECT 1;"')),
    packed(4, [2])), // INTEGER
)

// ---------------------------------------------------------------------------------------------
// Capture specs

const R_CAPTURE_CONFIG = '{"address":"db.example.com:5432","database":"shop","credentials":{"user":"flow_capture","password":"s3cr3t!"},"advanced":{"backfill_chunk_size":5e4,"heartbeat_ratio":1.0,"timeout":1e3,"skip_tables":[],"slot_name":null}}'
const R_CAPTURE_CONFIG_V1 = '{"address":"db.example.com:5432","database":"shop","credentials":{"user":"flow_capture","password":"0ld-s3cr3t"}}'
const R_RESOURCE_ORDERS = '{"schema":"public","table":"orders"}'
const R_RESOURCE_CUSTOMERS = '{"schema":"public","table":"customers","cursor":["updated_at"]}'
const R_RESOURCE_LEGACY = '{"schema":"public","table":"legacy_orders"}'

const captureBindings = (linked: boolean): Part[] => [
  part(
    `{"resourceConfig":${R_RESOURCE_ORDERS},"resourcePath":["public","orders"],${linked ? '' : `"collection":${COLLECTION_ORDERS.json},`}"backfill":2,"stateKey":"public%2Forders.v2"}`,
    bytes(1, R_RESOURCE_ORDERS),
    bytes(2, 'public'),
    bytes(2, 'orders'),
    ...(linked ? [] : [sub(3, ...COLLECTION_ORDERS.pb)]),
    varint(4, 2),
    bytes(5, 'public%2Forders.v2'),
  ),
  part(
    `{"resourceConfig":${R_RESOURCE_CUSTOMERS},"resourcePath":["public","customers"],${linked ? '' : `"collection":${COLLECTION_CUSTOMERS.json},`}"stateKey":"public%2Fcustomers"${linked ? ',"collectionIndex":1' : ''}}`,
    bytes(1, R_RESOURCE_CUSTOMERS),
    bytes(2, 'public'),
    bytes(2, 'customers'),
    ...(linked ? [] : [sub(3, ...COLLECTION_CUSTOMERS.pb)]),
    bytes(5, 'public%2Fcustomers'),
    ...(linked ? [varint(6, 1)] : []),
  ),
  // inactive
  part(
    `{"resourceConfig":${R_RESOURCE_LEGACY},"resourcePath":["public","legacy_orders"],${linked ? '' : `"collection":${COLLECTION_LEGACY.json},`}"backfill":1,"stateKey":"public%2Flegacy_orders.v1"${linked ? ',"collectionIndex":2' : ''}}`,
    bytes(1, R_RESOURCE_LEGACY),
    bytes(2, 'public'),
    bytes(2, 'legacy_orders'),
    ...(linked ? [] : [sub(3, ...COLLECTION_LEGACY.pb)]),
    varint(4, 1),
    bytes(5, 'public%2Flegacy_orders.v1'),
    ...(linked ? [varint(6, 2)] : []),
  ),
]

const captureSpec = (linked: boolean): Part => {
  const [orders, customers, legacy] = captureBindings(linked) as [Part, Part, Part]
  const linkedJson = linked ? `"linkedCollections":[${COLLECTION_ORDERS.json},${COLLECTION_CUSTOMERS.json},${COLLECTION_LEGACY.json}],` : ''
  return part(
    `{"name":"acmeCo/source-orders","connectorType":"IMAGE","config":${R_CAPTURE_CONFIG},"bindings":[${orders.json},${customers.json}],"intervalSeconds":300,"shardTemplate":${SHARD_CAPTURE.json},"recoveryLogTemplate":${RECOVERY_CAPTURE.json},"networkPorts":[{"number":8080,"protocol":"http/1.1","public":true},{"number":9090}],"inactiveBindings":[${legacy.json}],"redactSalt":"jzr+EHu/AEHS/GOeBXfo+w==","createdAt":"2024-05-17T09:30:00Z",${linkedJson}"secrets":{"/credentials/password":"acmeCo/orders-db-password","/credentials/user":"acmeCo/orders-db-user"}}`,
    bytes(1, 'acmeCo/source-orders'),
    varint(2, 7), // IMAGE
    bytes(3, R_CAPTURE_CONFIG),
    sub(4, ...orders.pb),
    sub(4, ...customers.pb),
    varint(5, 300),
    sub(6, ...SHARD_CAPTURE.pb),
    sub(7, ...RECOVERY_CAPTURE.pb),
    sub(8, varint(1, 8080), bytes(2, 'http/1.1'), varint(3, true)),
    sub(8, varint(1, 9090)),
    sub(9, ...legacy.pb),
    bytes(10, SALT_CAPTURE),
    bytes(11, '2024-05-17T09:30:00Z'),
    ...(linked ? [sub(12, ...COLLECTION_ORDERS.pb), sub(12, ...COLLECTION_CUSTOMERS.pb), sub(12, ...COLLECTION_LEGACY.pb)] : []),
    sub(13, bytes(1, '/credentials/password'), bytes(2, 'acmeCo/orders-db-password')),
    sub(13, bytes(1, '/credentials/user'), bytes(2, 'acmeCo/orders-db-user')),
  )
}
const CAPTURE_SPEC = captureSpec(false)
const CAPTURE_SPEC_LINKED = captureSpec(true)

const CAPTURE_SPEC_PREVIOUS = part(
  `{"name":"acmeCo/source-orders","connectorType":"IMAGE","config":${R_CAPTURE_CONFIG_V1},"bindings":[{"resourceConfig":${R_RESOURCE_ORDERS},"resourcePath":["public","orders"],"collection":${COLLECTION_ORDERS.json},"backfill":1,"stateKey":"public%2Forders.v1"}],"intervalSeconds":300,"shardTemplate":${SHARD_CAPTURE.json},"recoveryLogTemplate":${RECOVERY_CAPTURE.json}}`,
  bytes(1, 'acmeCo/source-orders'),
  varint(2, 7),
  bytes(3, R_CAPTURE_CONFIG_V1),
  sub(4,
    bytes(1, R_RESOURCE_ORDERS),
    bytes(2, 'public'),
    bytes(2, 'orders'),
    sub(3, ...COLLECTION_ORDERS.pb),
    varint(4, 1),
    bytes(5, 'public%2Forders.v1')),
  varint(5, 300),
  sub(6, ...SHARD_CAPTURE.pb),
  sub(7, ...RECOVERY_CAPTURE.pb),
)

// ---------------------------------------------------------------------------------------------
// Materialization specs

const R_MATERIALIZE_CONFIG = '{"address":"warehouse.example.com:5432","database":"analytics","credentials":{"user":"flow","password":"hunter2"},"hardDelete":true,"advanced":{"batchBytes":1e6,"compressionRatio":1.0}}'
const R_MATERIALIZE_CONFIG_V1 = '{"address":"warehouse.example.com:5432","database":"analytics","credentials":{"user":"flow","password":"hunter1"}}'
const R_MRESOURCE_ORDERS = '{"table":"orders","schema":"analytics","delta_updates":false}'
const R_MRESOURCE_CUSTOMERS = '{"table":"customers_log","schema":"analytics","delta_updates":true}'
const R_MRESOURCE_LEGACY = '{"table":"legacy_orders","schema":"analytics"}'
const R_FIELD_CONFIG_ITEMS = '{"castToString":true}'
const R_FIELD_CONFIG_TOTAL = '{"ddl":"NUMERIC(12,2)","scale":1.0}'
const R_TRIGGERS = String.raw`{"config":[{"url":"https://hooks.example.com/flow?event=commit","method":"POST","timeoutSecs":30,"headers":{"X-Flow-Version":"1.0"},"payloadTemplate":"{\"task\":\"{{task_name}}\",\"rows\":{{rows}}}"}]}`
const R_SYNC_SCHEDULE = '{"syncFrequency":"30m","timezone":"America/New_York","fastSyncStartTime":"09:00","fastSyncStopTime":"17:00","fastSyncEnabledDays":"M-F"}'

const materializationBindings = (linked: boolean): Part[] => [
  part(
    `{"resourceConfig":${R_MRESOURCE_ORDERS},"resourcePath":["analytics","orders"],${linked ? '' : `"collection":${COLLECTION_ORDERS.json},`}"fieldSelection":{"keys":["id"],"values":["_meta/uuid","customer/email","items","total"],"document":"flow_document","fieldConfig":{"items":${R_FIELD_CONFIG_ITEMS},"total":${R_FIELD_CONFIG_TOTAL}}},"partitionSelector":{"include":{"labels":[{"name":"estuary.dev/collection","value":"acmeCo/orders"}]}},"journalReadSuffix":"materialize/acmeCo/warehouse/analytics%2Forders","priority":10,"notBefore":"2024-01-01T00:00:00+00:00","notAfter":"2025-06-30T23:59:59.123+00:00","backfill":1,"stateKey":"analytics%2Forders.v1","serPolicy":{"strTruncateAfter":65536,"nestedObjTruncateAfter":1000,"arrayTruncateAfter":1000}}`,
    bytes(1, R_MRESOURCE_ORDERS),
    bytes(2, 'analytics'),
    bytes(2, 'orders'),
    ...(linked ? [] : [sub(3, ...COLLECTION_ORDERS.pb)]),
    sub(4,
      bytes(1, 'id'),
      bytes(2, '_meta/uuid'),
      bytes(2, 'customer/email'),
      bytes(2, 'items'),
      bytes(2, 'total'),
      bytes(3, 'flow_document'),
      sub(4, bytes(1, 'items'), bytes(2, R_FIELD_CONFIG_ITEMS)),
      sub(4, bytes(1, 'total'), bytes(2, R_FIELD_CONFIG_TOTAL))),
    sub(7, sub(1, sub(1, bytes(1, 'estuary.dev/collection'), bytes(2, 'acmeCo/orders')))),
    bytes(8, 'materialize/acmeCo/warehouse/analytics%2Forders'),
    varint(9, 10),
    sub(10, varint(1, 1704067200)),
    sub(11, varint(1, 1751327999), varint(2, 123000000)),
    varint(12, 1),
    bytes(13, 'analytics%2Forders.v1'),
    sub(14, varint(1, 65536), varint(2, 1000), varint(3, 1000)),
  ),
  part(
    `{"resourceConfig":${R_MRESOURCE_CUSTOMERS},"resourcePath":["analytics","customers_log"],${linked ? '' : `"collection":${COLLECTION_CUSTOMERS.json},`}"fieldSelection":{"keys":["tenant","id"],"values":["balance","name"]},"deltaUpdates":true,"journalReadSuffix":"materialize/acmeCo/warehouse/analytics%2Fcustomers_log","stateKey":"analytics%2Fcustomers_log"${linked ? ',"collectionIndex":1' : ''}}`,
    bytes(1, R_MRESOURCE_CUSTOMERS),
    bytes(2, 'analytics'),
    bytes(2, 'customers_log'),
    ...(linked ? [] : [sub(3, ...COLLECTION_CUSTOMERS.pb)]),
    sub(4, bytes(1, 'tenant'), bytes(1, 'id'), bytes(2, 'balance'), bytes(2, 'name')),
    varint(5, true),
    bytes(8, 'materialize/acmeCo/warehouse/analytics%2Fcustomers_log'),
    bytes(13, 'analytics%2Fcustomers_log'),
    ...(linked ? [varint(15, 1)] : []),
  ),
  // inactive
  part(
    `{"resourceConfig":${R_MRESOURCE_LEGACY},"resourcePath":["analytics","legacy_orders"],${linked ? '' : `"collection":${COLLECTION_LEGACY.json},`}"fieldSelection":{"keys":["id"]},"journalReadSuffix":"materialize/acmeCo/warehouse/analytics%2Flegacy_orders","stateKey":"analytics%2Flegacy_orders"${linked ? ',"collectionIndex":2' : ''}}`,
    bytes(1, R_MRESOURCE_LEGACY),
    bytes(2, 'analytics'),
    bytes(2, 'legacy_orders'),
    ...(linked ? [] : [sub(3, ...COLLECTION_LEGACY.pb)]),
    sub(4, bytes(1, 'id')),
    bytes(8, 'materialize/acmeCo/warehouse/analytics%2Flegacy_orders'),
    bytes(13, 'analytics%2Flegacy_orders'),
    ...(linked ? [varint(15, 2)] : []),
  ),
]

const materializationSpec = (linked: boolean): Part => {
  const [orders, customers, legacy] = materializationBindings(linked) as [Part, Part, Part]
  const linkedJson = linked ? `"linkedCollections":[${COLLECTION_ORDERS.json},${COLLECTION_CUSTOMERS.json},${COLLECTION_LEGACY.json}],` : ''
  return part(
    `{"name":"acmeCo/warehouse","connectorType":"IMAGE","config":${R_MATERIALIZE_CONFIG},"bindings":[${orders.json},${customers.json}],"shardTemplate":${SHARD_MATERIALIZE.json},"recoveryLogTemplate":${RECOVERY_MATERIALIZE.json},"networkPorts":[{"number":5432,"protocol":"tcp"}],"inactiveBindings":[${legacy.json}],"triggers":${R_TRIGGERS},"createdAt":"2024-06-01T12:00:00Z","syncSchedule":${R_SYNC_SCHEDULE},${linkedJson}"secrets":{"/credentials/password":"acmeCo/warehouse-password","/credentials/user":"acmeCo/warehouse-user"}}`,
    bytes(1, 'acmeCo/warehouse'),
    varint(2, 8), // IMAGE (MaterializationSpec numbering)
    bytes(3, R_MATERIALIZE_CONFIG),
    sub(4, ...orders.pb),
    sub(4, ...customers.pb),
    sub(5, ...SHARD_MATERIALIZE.pb),
    sub(6, ...RECOVERY_MATERIALIZE.pb),
    sub(7, varint(1, 5432), bytes(2, 'tcp')),
    sub(9, ...legacy.pb),
    bytes(10, R_TRIGGERS),
    bytes(11, '2024-06-01T12:00:00Z'),
    bytes(12, R_SYNC_SCHEDULE),
    ...(linked ? [sub(13, ...COLLECTION_ORDERS.pb), sub(13, ...COLLECTION_CUSTOMERS.pb), sub(13, ...COLLECTION_LEGACY.pb)] : []),
    sub(14, bytes(1, '/credentials/password'), bytes(2, 'acmeCo/warehouse-password')),
    sub(14, bytes(1, '/credentials/user'), bytes(2, 'acmeCo/warehouse-user')),
  )
}
const MATERIALIZATION_SPEC = materializationSpec(false)
const MATERIALIZATION_SPEC_LINKED = materializationSpec(true)

const MATERIALIZATION_SPEC_PREVIOUS = part(
  `{"name":"acmeCo/warehouse","connectorType":"IMAGE","config":${R_MATERIALIZE_CONFIG_V1},"bindings":[{"resourceConfig":${R_MRESOURCE_LEGACY},"resourcePath":["analytics","legacy_orders"],"collection":${COLLECTION_LEGACY.json},"fieldSelection":{"keys":["id"]},"stateKey":"analytics%2Flegacy_orders"}],"shardTemplate":${SHARD_MATERIALIZE.json},"recoveryLogTemplate":${RECOVERY_MATERIALIZE.json},"createdAt":"2024-06-01T12:00:00Z"}`,
  bytes(1, 'acmeCo/warehouse'),
  varint(2, 8),
  bytes(3, R_MATERIALIZE_CONFIG_V1),
  sub(4,
    bytes(1, R_MRESOURCE_LEGACY),
    bytes(2, 'analytics'),
    bytes(2, 'legacy_orders'),
    sub(3, ...COLLECTION_LEGACY.pb),
    sub(4, bytes(1, 'id')),
    bytes(13, 'analytics%2Flegacy_orders')),
  sub(5, ...SHARD_MATERIALIZE.pb),
  sub(6, ...RECOVERY_MATERIALIZE.pb),
  bytes(11, '2024-06-01T12:00:00Z'),
)

// ---------------------------------------------------------------------------------------------
// OAuth2. Map values are raw JSON: `"Basic …"` with its quotes is the JSON text.

const R_HEADER_AUTHORIZATION = '"Basic {{#basicauth}}{{{ client_id }}}:{{{ client_secret }}}{{/basicauth}}"'
const R_EXPIRES_AT = '"{{#now_plus}}{{ expires_in }}{{/now_plus}}"'

const OAUTH2_ACME = part(
  String.raw`{"provider":"acme","authUrlTemplate":"https://auth.example.com/authorize?client_id={{#urlencode}}{{{ client_id }}}{{/urlencode}}&redirect_uri={{#urlencode}}{{{ redirect_uri }}}{{/urlencode}}&response_type=code&state={{#urlencode}}{{{ state }}}{{/urlencode}}","accessTokenUrlTemplate":"https://auth.example.com/oauth/token","accessTokenBody":"{\"grant_type\":\"authorization_code\",\"code\":\"{{{ code }}}\",\"redirect_uri\":\"{{{ redirect_uri }}}\"}","accessTokenHeaders":{"Authorization":${R_HEADER_AUTHORIZATION},"X-Api-Version":2.0,"content-type":"application/json"},"accessTokenResponseMap":{"access_token":"/access_token","expires_at":${R_EXPIRES_AT},"refresh_token":"/refresh_token"},"refreshTokenUrlTemplate":"https://auth.example.com/oauth/token","refreshTokenBody":"grant_type=refresh_token&refresh_token={{#urlencode}}{{{ refresh_token }}}{{/urlencode}}","refreshTokenHeaders":{"content-type":"application/x-www-form-urlencoded"},"refreshTokenResponseMap":{"access_token":"/access_token","expires_at":${R_EXPIRES_AT}},"accessTokenMethod":"POST","refreshTokenMethod":"POST"}`,
  bytes(1, 'acme'),
  bytes(2, 'https://auth.example.com/authorize?client_id={{#urlencode}}{{{ client_id }}}{{/urlencode}}&redirect_uri={{#urlencode}}{{{ redirect_uri }}}{{/urlencode}}&response_type=code&state={{#urlencode}}{{{ state }}}{{/urlencode}}'),
  bytes(3, 'https://auth.example.com/oauth/token'),
  bytes(4, '{"grant_type":"authorization_code","code":"{{{ code }}}","redirect_uri":"{{{ redirect_uri }}}"}'),
  // Keys sort by code point: upper case before lower case.
  sub(5, bytes(1, 'Authorization'), bytes(2, R_HEADER_AUTHORIZATION)),
  sub(5, bytes(1, 'X-Api-Version'), bytes(2, '2.0')),
  sub(5, bytes(1, 'content-type'), bytes(2, '"application/json"')),
  sub(6, bytes(1, 'access_token'), bytes(2, '"/access_token"')),
  sub(6, bytes(1, 'expires_at'), bytes(2, R_EXPIRES_AT)),
  sub(6, bytes(1, 'refresh_token'), bytes(2, '"/refresh_token"')),
  bytes(7, 'https://auth.example.com/oauth/token'),
  bytes(8, 'grant_type=refresh_token&refresh_token={{#urlencode}}{{{ refresh_token }}}{{/urlencode}}'),
  sub(9, bytes(1, 'content-type'), bytes(2, '"application/x-www-form-urlencoded"')),
  sub(10, bytes(1, 'access_token'), bytes(2, '"/access_token"')),
  sub(10, bytes(1, 'expires_at'), bytes(2, R_EXPIRES_AT)),
  bytes(11, 'POST'),
  bytes(12, 'POST'),
)

const OAUTH2_GOOGLE = part(
  String.raw`{"provider":"google","authUrlTemplate":"https://accounts.google.com/o/oauth2/auth?access_type=offline&prompt=consent&client_id={{#urlencode}}{{{ client_id }}}{{/urlencode}}&redirect_uri={{#urlencode}}{{{ redirect_uri }}}{{/urlencode}}&response_type=code&scope=https://www.googleapis.com/auth/bigquery&state={{#urlencode}}{{{ state }}}{{/urlencode}}","accessTokenUrlTemplate":"https://oauth2.googleapis.com/token","accessTokenBody":"{\"grant_type\": \"authorization_code\", \"client_id\": \"{{{ client_id }}}\", \"client_secret\": \"{{{ client_secret }}}\", \"redirect_uri\": \"{{{ redirect_uri }}}\", \"code\": \"{{{ code }}}\"}","accessTokenResponseMap":{"refresh_token":"/refresh_token"},"refreshTokenUrlTemplate":"https://oauth2.googleapis.com/token","refreshTokenBody":"{\"grant_type\": \"refresh_token\", \"client_id\": \"{{{ client_id }}}\", \"client_secret\": \"{{{ client_secret }}}\", \"refresh_token\": \"{{{ refresh_token }}}\"}","refreshTokenResponseMap":{"access_token":"/access_token"}}`,
  bytes(1, 'google'),
  bytes(2, 'https://accounts.google.com/o/oauth2/auth?access_type=offline&prompt=consent&client_id={{#urlencode}}{{{ client_id }}}{{/urlencode}}&redirect_uri={{#urlencode}}{{{ redirect_uri }}}{{/urlencode}}&response_type=code&scope=https://www.googleapis.com/auth/bigquery&state={{#urlencode}}{{{ state }}}{{/urlencode}}'),
  bytes(3, 'https://oauth2.googleapis.com/token'),
  bytes(4, '{"grant_type": "authorization_code", "client_id": "{{{ client_id }}}", "client_secret": "{{{ client_secret }}}", "redirect_uri": "{{{ redirect_uri }}}", "code": "{{{ code }}}"}'),
  sub(6, bytes(1, 'refresh_token'), bytes(2, '"/refresh_token"')),
  bytes(7, 'https://oauth2.googleapis.com/token'),
  bytes(8, '{"grant_type": "refresh_token", "client_id": "{{{ client_id }}}", "client_secret": "{{{ client_secret }}}", "refresh_token": "{{{ refresh_token }}}"}'),
  sub(10, bytes(1, 'access_token'), bytes(2, '"/access_token"')),
)

// ---------------------------------------------------------------------------------------------
// Documents and states (raw JSON, copied verbatim)

/** Unicode, every JSON escape, 1.0 / 1e3 / -0.0 / 2.5E-3 and an integer beyond 64 bits. */
const R_CAPTURED_DOC = String.raw`{"id":1042,"region":"eu-west","customer":{"name":"Zoë Ångström","email":"zoe@example.com","note":"line1\nline2\t\"quoted\" \\ back\/slash \b\f\r \u00e9\u2603 \ud83d\ude00"},"emoji":"😀🚀","total":1.0,"items":[{"sku":"A-1","qty":1e3,"price":-0.0,"discount":2.5E-3}],"flags":[true,false,null],"nested":{"empty":{},"list":[]},"big":12345678901234567890}`
const R_CAPTURE_STATE = '{"bindingStateV1":{"public%2Forders.v2":{"cursor":"0/16B3748","backfilledCount":1e3}},"lsn":1.0}'
const R_CAPTURE_APPLY_STATE = '{"bindingStateV1":{"public%2Forders.v2":{"backfilled":"2024-05-17T09:31:00Z","key":[1.0,"x"]}},"cursor":"0/16B3748"}'
const R_SEALED_CONFIG_CAPTURE = String.raw`{"address":"db.example.com:5432","database":"shop","credentials":{"user":"flow_capture","password_sops":"ENC[AES256_GCM,data:Zm9vYmFy,iv:YmFyYmF6,tag:YmF6cXV4,type:str]"},"sops":{"age":[{"recipient":"age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq","enc":"-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCg==\n-----END AGE ENCRYPTED FILE-----\n"}],"lastmodified":"2024-05-17T09:30:00Z","encrypted_suffix":"_sops","version":"3.8.1"}}`
const R_SEALED_CONFIG_MATERIALIZE = String.raw`{"address":"warehouse.example.com:5432","database":"analytics","credentials":{"user":"flow","password_sops":"ENC[AES256_GCM,data:q83vEjRW,iv:Xq1l8tRj/aWZjNHsBfE8DA==,tag:O7uE+fxsyYPx3yUuhLEYtA==,type:str]"},"sops":{"age":[{"recipient":"age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq","enc":"-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCg==\n-----END AGE ENCRYPTED FILE-----\n"}],"lastmodified":"2024-06-01T12:00:00Z","mac":"ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]","encrypted_suffix":"_sops","version":"3.8.1"}}`
const R_MATERIALIZE_STATE = '{"applied":{"version":"1a2b3c4d5e6f7081"},"staged":{"orders":["s3://acme-staging/flow/txn-000041/orders.json.gz"]},"txn":41}'

// ---------------------------------------------------------------------------------------------
// The vectors

const vec = (protocol: Protocol, kind: Kind, variant: string, json: string, ...fields: Field[]): GoldenVector => ({
  name: `${protocol}.${kind === 'request' ? 'Request' : 'Response'}.${variant}`,
  protocol,
  kind,
  json,
  proto: toHex(msg(...fields)),
})

const captureRequests: GoldenVector[] = [
  vec('capture', 'request', 'spec',
    `{"spec":{"connectorType":"IMAGE","config":${R_CAPTURE_CONFIG}}}`,
    sub(1, varint(1, 7), bytes(2, R_CAPTURE_CONFIG))),

  // Declaration order puts `name` first (Flow's key order), though its number is 3.
  vec('capture', 'request', 'discover',
    `{"discover":{"name":"acmeCo/source-orders","connectorType":"IMAGE","config":${R_CAPTURE_CONFIG},"createdAt":"2024-05-17","secrets":{"/credentials/password":"acmeCo/orders-db-password","/credentials/user":"acmeCo/orders-db-user"}}}`,
    sub(2,
      varint(1, 7),
      bytes(2, R_CAPTURE_CONFIG),
      bytes(3, 'acmeCo/source-orders'),
      bytes(4, '2024-05-17'),
      sub(5, bytes(1, '/credentials/password'), bytes(2, 'acmeCo/orders-db-password')),
      sub(5, bytes(1, '/credentials/user'), bytes(2, 'acmeCo/orders-db-user')))),

  vec('capture', 'request', 'validate',
    `{"validate":{"name":"acmeCo/source-orders","connectorType":"IMAGE","config":${R_CAPTURE_CONFIG},"bindings":[{"resourceConfig":${R_RESOURCE_ORDERS},"collection":${COLLECTION_ORDERS.json},"backfill":2},{"resourceConfig":${R_RESOURCE_CUSTOMERS},"collection":${COLLECTION_CUSTOMERS.json}}],"lastCapture":${CAPTURE_SPEC_PREVIOUS.json},"lastVersion":"3f2e1d0c9b8a7065","secrets":{"/credentials/password":"acmeCo/orders-db-password"}}}`,
    sub(3,
      bytes(1, 'acmeCo/source-orders'),
      varint(2, 7),
      bytes(3, R_CAPTURE_CONFIG),
      sub(4, bytes(1, R_RESOURCE_ORDERS), sub(2, ...COLLECTION_ORDERS.pb), varint(3, 2)),
      sub(4, bytes(1, R_RESOURCE_CUSTOMERS), sub(2, ...COLLECTION_CUSTOMERS.pb)),
      sub(5, ...CAPTURE_SPEC_PREVIOUS.pb),
      bytes(6, '3f2e1d0c9b8a7065'),
      sub(8, bytes(1, '/credentials/password'), bytes(2, 'acmeCo/orders-db-password')))),

  vec('capture', 'request', 'apply',
    `{"apply":{"capture":${CAPTURE_SPEC.json},"version":"4a5b6c7d8e9f0a1b","lastCapture":${CAPTURE_SPEC_PREVIOUS.json},"lastVersion":"3f2e1d0c9b8a7065","state":${R_CAPTURE_APPLY_STATE}}}`,
    sub(4,
      sub(1, ...CAPTURE_SPEC.pb),
      bytes(2, '4a5b6c7d8e9f0a1b'),
      sub(4, ...CAPTURE_SPEC_PREVIOUS.pb),
      bytes(5, '3f2e1d0c9b8a7065'),
      bytes(6, R_CAPTURE_APPLY_STATE))),

  vec('capture', 'request', 'open',
    `{"open":{"capture":${CAPTURE_SPEC_LINKED.json},"version":"4a5b6c7d8e9f0a1b","range":{"keyBegin":2147483648,"keyEnd":4294967295,"rClockEnd":4294967295},"state":${R_CAPTURE_STATE},"sealedConfig":${R_SEALED_CONFIG_CAPTURE}}}`,
    sub(5,
      sub(1, ...CAPTURE_SPEC_LINKED.pb),
      bytes(2, '4a5b6c7d8e9f0a1b'),
      sub(3, fixed32(2, 0x80000000), fixed32(3, 0xffffffff), fixed32(5, 0xffffffff)),
      bytes(4, R_CAPTURE_STATE),
      bytes(5, R_SEALED_CONFIG_CAPTURE))),

  vec('capture', 'request', 'acknowledge',
    '{"acknowledge":{"checkpoints":3}}',
    sub(6, varint(1, 3))),

  vec('capture', 'request', '$internal',
    '{"$internal":"CgVkZWJ1ZxD+/wM="}',
    bytes(100, INTERNAL)),
]

const R_CAPTURE_CONFIG_SCHEMA = '{"$schema":"http://json-schema.org/draft-07/schema#","title":"Orders DB","type":"object","properties":{"address":{"type":"string","title":"Address","description":"host:port of the database","order":0},"database":{"type":"string","default":"shop"},"credentials":{"type":"object","title":"Authentication","oneOf":[{"title":"Password","properties":{"user":{"type":"string"},"password":{"type":"string","secret":true}},"required":["user","password"]},{"title":"OAuth","x-oauth2-provider":"acme","properties":{"access_token":{"type":"string","secret":true}}}]},"advanced":{"type":"object","properties":{"backfill_chunk_size":{"type":"integer","default":5e4},"heartbeat_ratio":{"type":"number","default":1.0},"timeout":{"type":"number","default":1e3}}}},"required":["address","credentials"]}'
const R_CAPTURE_RESOURCE_SCHEMA = '{"type":"object","properties":{"schema":{"type":"string","x-schema-name":true},"table":{"type":"string","x-collection-name":true},"cursor":{"type":"array","items":{"type":"string"}}},"required":["schema","table"]}'
const R_DISCOVERED_ORDERS = '{"type":"object","properties":{"id":{"type":"integer"},"region":{"type":"string"},"total":{"type":"number","maximum":1e6},"_meta":{"type":"object","properties":{"op":{"enum":["c","u","d"]},"source":{"type":"object"}}}},"required":["id"],"x-infer-schema":true}'
const R_DISCOVERED_CUSTOMERS = '{"type":"object","properties":{"tenant":{"type":"string"},"id":{"type":"integer"},"name":{"type":["string","null"],"title":"Café name"}},"required":["tenant","id"]}'
const R_RESOURCE_AUDIT = '{"schema":"public","table":"audit_log"}'
const R_DISCOVERED_AUDIT = '{"type":"object","properties":{"_meta":{"type":"object","properties":{"row_id":{"type":"integer"}}}},"x-infer-schema":true}'
const R_APPLIED_CAPTURE_STATE = '{"publication":"flow_publication","tables":["public.orders","public.customers"]}'
const R_SOURCED_SCHEMA = '{"type":"object","additionalProperties":false,"properties":{"id":{"type":"integer"},"amount":{"type":"number","multipleOf":0.01,"maximum":1e9}},"required":["id"]}'

const captureResponses: GoldenVector[] = [
  vec('capture', 'response', 'spec',
    `{"spec":{"protocol":3032023,"configSchema":${R_CAPTURE_CONFIG_SCHEMA},"resourceConfigSchema":${R_CAPTURE_RESOURCE_SCHEMA},"documentationUrl":"https://go.estuary.dev/source-orders","oauth2":${OAUTH2_ACME.json},"resourcePathPointers":["/schema","/table"]}}`,
    sub(1,
      varint(1, 3032023),
      bytes(2, R_CAPTURE_CONFIG_SCHEMA),
      bytes(3, R_CAPTURE_RESOURCE_SCHEMA),
      bytes(4, 'https://go.estuary.dev/source-orders'),
      sub(5, ...OAUTH2_ACME.pb),
      bytes(6, '/schema'),
      bytes(6, '/table'))),

  vec('capture', 'response', 'discovered',
    `{"discovered":{"bindings":[{"recommendedName":"orders","resourceConfig":${R_RESOURCE_ORDERS},"documentSchema":${R_DISCOVERED_ORDERS},"key":["/id"],"resourcePath":["public","orders"]},{"recommendedName":"customers","resourceConfig":${R_RESOURCE_CUSTOMERS},"documentSchema":${R_DISCOVERED_CUSTOMERS},"key":["/tenant","/id"],"resourcePath":["public","customers"]},{"recommendedName":"audit_log","resourceConfig":${R_RESOURCE_AUDIT},"documentSchema":${R_DISCOVERED_AUDIT},"key":["/_meta/row_id"],"disable":true,"resourcePath":["public","audit_log"],"isFallbackKey":true}]}}`,
    sub(2,
      sub(1,
        bytes(1, 'orders'),
        bytes(2, R_RESOURCE_ORDERS),
        bytes(3, R_DISCOVERED_ORDERS),
        bytes(4, '/id'),
        bytes(6, 'public'),
        bytes(6, 'orders')),
      sub(1,
        bytes(1, 'customers'),
        bytes(2, R_RESOURCE_CUSTOMERS),
        bytes(3, R_DISCOVERED_CUSTOMERS),
        bytes(4, '/tenant'),
        bytes(4, '/id'),
        bytes(6, 'public'),
        bytes(6, 'customers')),
      sub(1,
        bytes(1, 'audit_log'),
        bytes(2, R_RESOURCE_AUDIT),
        bytes(3, R_DISCOVERED_AUDIT),
        bytes(4, '/_meta/row_id'),
        varint(5, true),
        bytes(6, 'public'),
        bytes(6, 'audit_log'),
        varint(7, true)))),

  vec('capture', 'response', 'validated',
    '{"validated":{"bindings":[{"resourcePath":["public","orders"]},{"resourcePath":["public","customers"]}]}}',
    sub(3,
      sub(1, bytes(1, 'public'), bytes(1, 'orders')),
      sub(1, bytes(1, 'public'), bytes(1, 'customers')))),

  vec('capture', 'response', 'applied',
    String.raw`{"applied":{"actionDescription":"CREATE PUBLICATION \"flow_publication\" FOR TABLE public.orders, public.customers;\nALTER TABLE public.\"Café\" REPLICA IDENTITY FULL;\t-- ok","state":{"updated":${R_APPLIED_CAPTURE_STATE},"mergePatch":true}}}`,
    sub(4,
      bytes(1, 'CREATE PUBLICATION "flow_publication" FOR TABLE public.orders, public.customers;\nALTER TABLE public."Café" REPLICA IDENTITY FULL;\t-- ok'),
      sub(2, bytes(1, R_APPLIED_CAPTURE_STATE), varint(2, true)))),

  // explicitAcknowledgements false: the sub-message is present but empty.
  vec('capture', 'response', 'opened',
    '{"opened":{}}',
    sub(5)),

  vec('capture', 'response', 'captured',
    `{"captured":{"binding":1,"doc":${R_CAPTURED_DOC}}}`,
    sub(6, varint(1, 1), bytes(2, R_CAPTURED_DOC))),

  vec('capture', 'response', 'checkpoint',
    `{"checkpoint":{"state":{"updated":${R_CAPTURE_STATE},"mergePatch":true}}}`,
    sub(7, sub(1, bytes(1, R_CAPTURE_STATE), varint(2, true)))),

  vec('capture', 'response', 'sourcedSchema',
    `{"sourcedSchema":{"binding":2,"documentSchema":${R_SOURCED_SCHEMA}}}`,
    sub(8, varint(1, 2), bytes(2, R_SOURCED_SCHEMA))),

  vec('capture', 'response', 'backfillBegin',
    '{"backfillBegin":{"binding":3}}',
    sub(9, varint(1, 3))),

  // binding 0 is the default: present but empty.
  vec('capture', 'response', 'backfillComplete',
    '{"backfillComplete":{}}',
    sub(10)),
]

const R_MATERIALIZE_LOCAL_CONFIG = '{"address":"localhost:5432","database":"analytics","credentials":{"user":"flow","password":"hunter2"},"schema":"public","hardDelete":true,"advanced":{"batchBytes":1e6,"compressionRatio":1.0}}'
const R_FLUSH_STATE_PATCHES = '[{"shard":"00000000","committed":1.0},{"shard":"80000000","lag":1e3}]'
const R_STORE_VALUES = String.raw`[ 1e3, "Zo\u00eb" ]` // interior spaces are part of the verbatim raw text
const R_STORE_DOC = '{"tenant":"acme","id":7,"name":"Zoë","balance":1e3,"_meta":{"uuid":"7d2c1b0a-6a1f-11ef-8400-0a0b0c0d0e0f"}}'
const R_STORE_DELETE_DOC = '{"_meta":{"uuid":"7d2c1b0a-6a1f-11ef-8400-fb0ff00d0e0f","op":"d"},"id":1042}'
const R_START_COMMIT_PATCHES = '[{"staged":{"orders":["s3://acme-staging/flow/txn-000042/orders.json.gz"]}},{"staged":{"orders":null}}]'
const R_ACKNOWLEDGE_PATCHES = '[{"txn":42,"applied":true}]'

const materializeRequests: GoldenVector[] = [
  vec('materialize', 'request', 'spec',
    `{"spec":{"connectorType":"LOCAL","config":${R_MATERIALIZE_LOCAL_CONFIG}}}`,
    sub(1, varint(1, 9), bytes(2, R_MATERIALIZE_LOCAL_CONFIG))),

  vec('materialize', 'request', 'validate',
    `{"validate":{"name":"acmeCo/warehouse","connectorType":"IMAGE","config":${R_MATERIALIZE_CONFIG},"bindings":[{"resourceConfig":${R_MRESOURCE_ORDERS},"fieldConfig":{"items":${R_FIELD_CONFIG_ITEMS},"total":${R_FIELD_CONFIG_TOTAL}},"backfill":1,"groupBy":["id"]},{"resourceConfig":${R_MRESOURCE_CUSTOMERS},"groupBy":["tenant","id"],"collectionIndex":1}],"lastMaterialization":${MATERIALIZATION_SPEC_PREVIOUS.json},"lastVersion":"1a2b3c4d5e6f7081","linkedCollections":[${COLLECTION_ORDERS.json},${COLLECTION_CUSTOMERS.json}],"secrets":{"":"acmeCo/warehouse-sealed-config"}}}`,
    sub(2,
      bytes(1, 'acmeCo/warehouse'),
      varint(2, 8),
      bytes(3, R_MATERIALIZE_CONFIG),
      sub(4,
        bytes(1, R_MRESOURCE_ORDERS),
        sub(3, bytes(1, 'items'), bytes(2, R_FIELD_CONFIG_ITEMS)),
        sub(3, bytes(1, 'total'), bytes(2, R_FIELD_CONFIG_TOTAL)),
        varint(4, 1),
        bytes(5, 'id')),
      sub(4,
        bytes(1, R_MRESOURCE_CUSTOMERS),
        bytes(5, 'tenant'),
        bytes(5, 'id'),
        varint(6, 1)),
      sub(5, ...MATERIALIZATION_SPEC_PREVIOUS.pb),
      bytes(6, '1a2b3c4d5e6f7081'),
      sub(7, ...COLLECTION_ORDERS.pb),
      sub(7, ...COLLECTION_CUSTOMERS.pb),
      sub(8, bytes(2, 'acmeCo/warehouse-sealed-config')))), // empty key: field 1 omitted

  vec('materialize', 'request', 'apply',
    `{"apply":{"materialization":${MATERIALIZATION_SPEC.json},"version":"9e8d7c6b5a493827","lastMaterialization":${MATERIALIZATION_SPEC_PREVIOUS.json},"lastVersion":"1a2b3c4d5e6f7081","state":${R_MATERIALIZE_STATE}}}`,
    sub(3,
      sub(1, ...MATERIALIZATION_SPEC.pb),
      bytes(2, '9e8d7c6b5a493827'),
      sub(4, ...MATERIALIZATION_SPEC_PREVIOUS.pb),
      bytes(5, '1a2b3c4d5e6f7081'),
      bytes(6, R_MATERIALIZE_STATE))),

  vec('materialize', 'request', 'open',
    `{"open":{"materialization":${MATERIALIZATION_SPEC_LINKED.json},"version":"9e8d7c6b5a493827","range":{"keyBegin":1073741824,"keyEnd":2147483647,"rClockBegin":2147483648,"rClockEnd":4294967295},"state":${R_MATERIALIZE_STATE},"sealedConfig":${R_SEALED_CONFIG_MATERIALIZE}}}`,
    sub(4,
      sub(1, ...MATERIALIZATION_SPEC_LINKED.pb),
      bytes(2, '9e8d7c6b5a493827'),
      sub(3, fixed32(2, 0x40000000), fixed32(3, 0x7fffffff), fixed32(4, 0x80000000), fixed32(5, 0xffffffff)),
      bytes(4, R_MATERIALIZE_STATE),
      bytes(5, R_SEALED_CONFIG_MATERIALIZE))),

  // Binding 0; packed key only, as sent to protobuf-codec connectors.
  vec('materialize', 'request', 'load',
    '{"load":{"keyPacked":"FgQS"}}',
    sub(5, bytes(3, TUPLE_1042))),

  vec('materialize', 'request', 'load/json',
    '{"load":{"binding":1,"key":["acme",7]}}',
    sub(5, varint(1, 1), bytes(2, '["acme",7]'))),

  vec('materialize', 'request', 'flush',
    `{"flush":{"statePatches":${R_FLUSH_STATE_PATCHES},"backfillBegins":[{"binding":1,"timestamp":"2024-09-03T14:07:12.456+00:00"}],"backfillCompletes":[{"timestamp":"2024-09-03T15:00:00+00:00"}]}}`,
    sub(6,
      bytes(1, R_FLUSH_STATE_PATCHES),
      sub(2, varint(1, 1), sub(2, varint(1, 1725372432), varint(2, 456000000))),
      sub(3, sub(2, varint(1, 1725375600))))),

  vec('materialize', 'request', 'flush/empty',
    '{"flush":{}}',
    sub(6)),

  // JSON forms, as sent to JSON-codec connectors; a delta-updates binding (exists false).
  vec('materialize', 'request', 'store',
    `{"store":{"binding":1,"key":["acme",7],"values":${R_STORE_VALUES},"doc":${R_STORE_DOC}}}`,
    sub(7,
      varint(1, 1),
      bytes(2, '["acme",7]'),
      bytes(4, R_STORE_VALUES),
      bytes(6, R_STORE_DOC))),

  vec('materialize', 'request', 'store/packed',
    `{"store":{"keyPacked":"FgQS","valuesPacked":"AjdkMmMxYjBhLTZhMWYtMTFlZi04NDAwLTBhMGIwYzBkMGUwZgAAAlt7InNrdSI6IkEtMSJ9XQAhv/AAAAAAAAA=","doc":${R_STORE_DELETE_DOC},"exists":true,"delete":true}}`,
    sub(7,
      bytes(3, TUPLE_1042),
      bytes(5, TUPLE_ORDER_VALUES),
      bytes(6, R_STORE_DELETE_DOC),
      varint(7, true),
      varint(8, true))),

  vec('materialize', 'request', 'startCommit',
    `{"startCommit":{"runtimeCheckpoint":${CHECKPOINT_MATERIALIZE.json},"statePatches":${R_START_COMMIT_PATCHES}}}`,
    sub(8, sub(1, ...CHECKPOINT_MATERIALIZE.pb), bytes(2, R_START_COMMIT_PATCHES))),

  vec('materialize', 'request', 'acknowledge',
    `{"acknowledge":{"statePatches":${R_ACKNOWLEDGE_PATCHES}}}`,
    sub(9, bytes(1, R_ACKNOWLEDGE_PATCHES))),

  vec('materialize', 'request', 'acknowledge/empty',
    '{"acknowledge":{}}',
    sub(9)),
]

const R_MATERIALIZE_CONFIG_SCHEMA = '{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"address":{"type":"string"},"database":{"type":"string"},"credentials":{"type":"object","properties":{"user":{"type":"string"},"password":{"type":"string","secret":true}}},"hardDelete":{"type":"boolean","default":false},"advanced":{"type":"object","properties":{"batchBytes":{"type":"integer","default":1e6},"compressionRatio":{"type":"number","default":1.0}}}},"required":["address","database"]}'
const R_MATERIALIZE_RESOURCE_SCHEMA = '{"type":"object","properties":{"table":{"type":"string","x-collection-name":true},"schema":{"type":"string","x-schema-name":true},"delta_updates":{"type":"boolean","x-delta-updates":true,"default":false}},"required":["table"]}'
const R_APPLIED_MATERIALIZE_STATE = '{"applied":{"version":"9e8d7c6b5a493827"}}'
const R_LOADED_DOC = String.raw`{"_meta":{"uuid":"7d2c1b0a-6a1f-11ef-8400-0a0b0c0d0e0f"},"id":1042,"region":"eu-west","total":1.0,"customer":{"email":null},"items":[{"sku":"A-1","qty":1e3}],"note":"caf\u00e9 — ünïcödé"}`
const R_FLUSHED_STATE = '{"staged":{"orders":["s3://acme-staging/flow/txn-000042/orders.json.gz"]},"txn":42}'
const R_STARTED_COMMIT_STATE = '{"committed":{"txn":42,"checkpoint":"CgQIARAC"}}'

const constraint = (type: number, reason?: string, folded?: string): Field[] => [
  varint(2, type),
  ...(reason === undefined ? [] : [bytes(3, reason)]),
  ...(folded === undefined ? [] : [bytes(4, folded)]),
]

const materializeResponses: GoldenVector[] = [
  vec('materialize', 'response', 'spec',
    `{"spec":{"protocol":3032023,"configSchema":${R_MATERIALIZE_CONFIG_SCHEMA},"resourceConfigSchema":${R_MATERIALIZE_RESOURCE_SCHEMA},"documentationUrl":"https://go.estuary.dev/materialize-warehouse","oauth2":${OAUTH2_GOOGLE.json}}}`,
    sub(1,
      varint(1, 3032023),
      bytes(2, R_MATERIALIZE_CONFIG_SCHEMA),
      bytes(3, R_MATERIALIZE_RESOURCE_SCHEMA),
      bytes(4, 'https://go.estuary.dev/materialize-warehouse'),
      sub(5, ...OAUTH2_GOOGLE.pb))),

  // Binding 0 in the older style (constraints map, key-sorted, `_` before lower case);
  // binding 1 in the newer style (projectionConstraints).
  vec('materialize', 'response', 'validated',
    String.raw`{"validated":{"bindings":[{"constraints":{"_meta/uuid":{"type":"LOCATION_RECOMMENDED","reason":"The document UUID may be materialized"},"customer/email":{"type":"FIELD_OPTIONAL","reason":"This field may be materialized"},"flow_document":{"type":"LOCATION_REQUIRED","reason":"The root document must be materialized"},"id":{"type":"FIELD_REQUIRED","reason":"All key fields are required"},"items":{"type":"FIELD_OPTIONAL","reason":"Arrays are stored as JSON"},"region":{"type":"FIELD_FORBIDDEN","reason":"Partition fields are redundant in \"analytics\""},"total":{"type":"INCOMPATIBLE","reason":"Type changed from integer to number","foldedField":"TOTAL"}},"resourcePath":["analytics","orders"],"serPolicy":{"strTruncateAfter":65536},"caseInsensitiveFields":true},{"resourcePath":["analytics","customers_log"],"deltaUpdates":true,"serPolicy":{"nestedObjTruncateAfter":1000,"arrayTruncateAfter":1000},"projectionConstraints":[{"field":"balance","constraint":{"type":"FIELD_OPTIONAL"}},{"field":"id","constraint":{"type":"FIELD_REQUIRED","reason":"Key fields are required"}},{"field":"name","constraint":{"type":"FIELD_OPTIONAL"}},{"field":"tenant","constraint":{"type":"FIELD_REQUIRED","reason":"Key fields are required"}}]}]}}`,
    sub(2,
      sub(1,
        sub(1, bytes(1, '_meta/uuid'), sub(2, ...constraint(3, 'The document UUID may be materialized'))),
        sub(1, bytes(1, 'customer/email'), sub(2, ...constraint(4, 'This field may be materialized'))),
        sub(1, bytes(1, 'flow_document'), sub(2, ...constraint(2, 'The root document must be materialized'))),
        sub(1, bytes(1, 'id'), sub(2, ...constraint(1, 'All key fields are required'))),
        sub(1, bytes(1, 'items'), sub(2, ...constraint(4, 'Arrays are stored as JSON'))),
        sub(1, bytes(1, 'region'), sub(2, ...constraint(5, 'Partition fields are redundant in "analytics"'))),
        sub(1, bytes(1, 'total'), sub(2, ...constraint(6, 'Type changed from integer to number', 'TOTAL'))),
        bytes(2, 'analytics'),
        bytes(2, 'orders'),
        sub(4, varint(1, 65536)),
        varint(5, true)),
      sub(1,
        bytes(2, 'analytics'),
        bytes(2, 'customers_log'),
        varint(3, true),
        sub(4, varint(2, 1000), varint(3, 1000)),
        sub(6, bytes(1, 'balance'), sub(2, ...constraint(4))),
        sub(6, bytes(1, 'id'), sub(2, ...constraint(1, 'Key fields are required'))),
        sub(6, bytes(1, 'name'), sub(2, ...constraint(4))),
        sub(6, bytes(1, 'tenant'), sub(2, ...constraint(1, 'Key fields are required')))))),

  // mergePatch false (replace the state) is the default and omitted.
  vec('materialize', 'response', 'applied',
    String.raw`{"applied":{"actionDescription":"CREATE TABLE IF NOT EXISTS analytics.orders (\n\tid BIGINT NOT NULL,\n\ttotal NUMERIC(12,2)\n);\n-- €5 budget","state":{"updated":${R_APPLIED_MATERIALIZE_STATE}}}}`,
    sub(3,
      bytes(1, 'CREATE TABLE IF NOT EXISTS analytics.orders (\n\tid BIGINT NOT NULL,\n\ttotal NUMERIC(12,2)\n);\n-- €5 budget'),
      sub(2, bytes(1, R_APPLIED_MATERIALIZE_STATE)))),

  vec('materialize', 'response', 'opened',
    `{"opened":{"runtimeCheckpoint":${CHECKPOINT_MATERIALIZE.json},"disableLoadOptimization":true}}`,
    sub(4, sub(1, ...CHECKPOINT_MATERIALIZE.pb), varint(2, true))),

  vec('materialize', 'response', 'loaded',
    `{"loaded":{"doc":${R_LOADED_DOC}}}`,
    sub(5, bytes(2, R_LOADED_DOC))),

  vec('materialize', 'response', 'flushed',
    `{"flushed":{"state":{"updated":${R_FLUSHED_STATE},"mergePatch":true}}}`,
    sub(6, sub(1, bytes(1, R_FLUSHED_STATE), varint(2, true)))),

  vec('materialize', 'response', 'startedCommit',
    `{"startedCommit":{"state":{"updated":${R_STARTED_COMMIT_STATE}}}}`,
    sub(7, sub(1, bytes(1, R_STARTED_COMMIT_STATE)))),

  vec('materialize', 'response', 'acknowledged',
    '{"acknowledged":{"state":{"updated":{"staged":null},"mergePatch":true}}}',
    sub(8, sub(1, bytes(1, '{"staged":null}'), varint(2, true)))),

  vec('materialize', 'response', 'acknowledged/empty',
    '{"acknowledged":{}}',
    sub(8)),
]

const R_DERIVE_IMAGE_CONFIG = '{"window":"1h","precision":1.0,"maxGroups":1e3}'
const R_DERIVE_OPEN_STATE = '{"sqlite":{"pages":1e3,"walCheckpoint":1.0}}'
const R_READ_DOC = String.raw`{"_meta":{"uuid":"7d2c1b0a-6a1f-11ef-8400-0a0b0c0d0e0f"},"tenant":"acme","id":7,"name":"Zoë \"Z\" Ångström","balance":"99999999999999999999"}`
const R_READ_DOC_ORDER = '{"id":1042,"region":"eu-west","total":1.0}'
const R_DERIVE_FLUSH_PATCHES = '[{"eu-west":{"amount":1.0}},{"us-east":{"amount":1e3}}]'

const deriveRequests: GoldenVector[] = [
  vec('derive', 'request', 'spec',
    `{"spec":{"connectorType":"IMAGE","config":${R_DERIVE_IMAGE_CONFIG}}}`,
    sub(1, varint(1, 3), bytes(2, R_DERIVE_IMAGE_CONFIG))), // IMAGE = 3 in Derivation.ConnectorType

  vec('derive', 'request', 'validate',
    `{"validate":{"connectorType":"SQLITE","config":${R_SQLITE_CONFIG},"collection":${COLLECTION_TOTALS.json},"transforms":[{"name":"fromOrders","lambdaConfig":${R_LAMBDA_FROM_ORDERS},"backfill":3},{"name":"fromCustomers","shuffleLambdaConfig":${R_SHUFFLE_FROM_CUSTOMERS},"lambdaConfig":${R_LAMBDA_FROM_CUSTOMERS},"collectionIndex":1}],"shuffleKeyTypes":["STRING","INTEGER"],"projectRoot":"file:///home/acme/flow-project/","importMap":{"acmeCo/order-totals":"file:///home/acme/flow-project/acmeCo/order-totals.sql","flow/schema":"file:///home/acme/flow-project/flow.yaml"},"lastCollection":${COLLECTION_TOTALS_PREVIOUS.json},"lastVersion":"0f1e2d3c4b5a6978","linkedCollections":[${COLLECTION_ORDERS.json},${COLLECTION_CUSTOMERS.json}],"secrets":{"/webhookToken":"acmeCo/rollup-webhook-token"}}}`,
    sub(2,
      varint(1, 1),
      bytes(2, R_SQLITE_CONFIG),
      sub(3, ...COLLECTION_TOTALS.pb),
      sub(4, bytes(1, 'fromOrders'), bytes(4, R_LAMBDA_FROM_ORDERS), varint(5, 3)),
      sub(4, bytes(1, 'fromCustomers'), bytes(3, R_SHUFFLE_FROM_CUSTOMERS), bytes(4, R_LAMBDA_FROM_CUSTOMERS), varint(6, 1)),
      packed(5, [3, 2]),
      bytes(6, 'file:///home/acme/flow-project/'),
      sub(7, bytes(1, 'acmeCo/order-totals'), bytes(2, 'file:///home/acme/flow-project/acmeCo/order-totals.sql')),
      sub(7, bytes(1, 'flow/schema'), bytes(2, 'file:///home/acme/flow-project/flow.yaml')),
      sub(8, ...COLLECTION_TOTALS_PREVIOUS.pb),
      bytes(9, '0f1e2d3c4b5a6978'),
      sub(10, ...COLLECTION_ORDERS.pb),
      sub(10, ...COLLECTION_CUSTOMERS.pb),
      sub(11, bytes(1, '/webhookToken'), bytes(2, 'acmeCo/rollup-webhook-token')))),

  // Open.state_json is field 5 (there is no field 4).
  vec('derive', 'request', 'open',
    `{"open":{"collection":${COLLECTION_TOTALS.json},"version":"7a6b5c4d3e2f1a0b","range":{"keyBegin":2147483648,"keyEnd":4294967295,"rClockBegin":2147483648,"rClockEnd":4294967295},"state":${R_DERIVE_OPEN_STATE}}}`,
    sub(3,
      sub(1, ...COLLECTION_TOTALS.pb),
      bytes(2, '7a6b5c4d3e2f1a0b'),
      sub(3, fixed32(2, 0x80000000), fixed32(3, 0xffffffff), fixed32(4, 0x80000000), fixed32(5, 0xffffffff)),
      bytes(5, R_DERIVE_OPEN_STATE))),

  // Packed shuffle key, as sent to protobuf-codec connectors; fixed64 UUID parts above 2^53.
  vec('derive', 'request', 'read',
    `{"read":{"transform":1,"uuid":{"node":"81985529216486895","clock":"16942326338398726663"},"shuffle":{"packed":"AmFjbWUA","hash":3735928559},"doc":${R_READ_DOC}}}`,
    sub(4,
      varint(1, 1),
      sub(2, fixed64(1, 0x0123456789abcdefn), fixed64(2, 0xeb1f3c0a5d002a07n)),
      sub(3, bytes(2, TUPLE_ACME), varint(3, 0xdeadbeef)),
      bytes(4, R_READ_DOC))),

  vec('derive', 'request', 'read/json',
    `{"read":{"uuid":{"node":"1","clock":"18446744073709551615"},"shuffle":{"key":["eu-west"],"hash":2882400001},"doc":${R_READ_DOC_ORDER}}}`,
    sub(4,
      sub(2, fixed64(1, 1n), fixed64(2, 0xffffffffffffffffn)),
      sub(3, bytes(1, '["eu-west"]'), varint(3, 0xabcdef01)),
      bytes(4, R_READ_DOC_ORDER))),

  vec('derive', 'request', 'flush',
    `{"flush":{"statePatches":${R_DERIVE_FLUSH_PATCHES}}}`,
    sub(5, bytes(1, R_DERIVE_FLUSH_PATCHES))),

  vec('derive', 'request', 'flush/empty',
    '{"flush":{}}',
    sub(5)),

  vec('derive', 'request', 'startCommit',
    `{"startCommit":{"runtimeCheckpoint":${CHECKPOINT_DERIVE.json}}}`,
    sub(6, sub(1, ...CHECKPOINT_DERIVE.pb))),

  vec('derive', 'request', 'reset',
    '{"reset":{}}',
    sub(7)),
]

const R_DERIVE_CONFIG_SCHEMA = '{"type":"object","properties":{"window":{"type":"string","pattern":"^[0-9]+[smh]$","default":"1h"},"precision":{"type":"number","default":1.0},"maxGroups":{"type":"integer","default":1e3}}}'
const R_DERIVE_LAMBDA_SCHEMA = '{"type":["string","null"],"title":"Lambda","description":"An SQL statement or null"}'
const R_PUBLISHED_DOC = String.raw`{"region":"eu-west","amount":1.0,"label":"Zoë's \"best\" region — ünïcödé ✓ \u00e9\u0000","ratio":1e3,"tags":["a\/b","\\"]}`
const R_DERIVE_FLUSHED_STATE = '{"eu-west":{"amount":1.0}}'
const R_DERIVE_STARTED_COMMIT_STATE = '{"sqlite":{"walFrames":1e3,"checkpointed":true}}'

const deriveResponses: GoldenVector[] = [
  vec('derive', 'response', 'spec',
    `{"spec":{"protocol":3032023,"configSchema":${R_DERIVE_CONFIG_SCHEMA},"resourceConfigSchema":${R_DERIVE_LAMBDA_SCHEMA},"documentationUrl":"https://go.estuary.dev/derive-rollups"}}`,
    sub(1,
      varint(1, 3032023),
      bytes(2, R_DERIVE_CONFIG_SCHEMA),
      bytes(3, R_DERIVE_LAMBDA_SCHEMA),
      bytes(4, 'https://go.estuary.dev/derive-rollups'))),

  // An empty element of a repeated message; map keys sorted by code point ("README" < "acmeCo").
  vec('derive', 'response', 'validated',
    String.raw`{"validated":{"transforms":[{},{"readOnly":true}],"generatedFiles":{"file:///home/acme/flow-project/README.md":"# Rollups\n\nGenerated by derive-rollups — édition 1.0\n","file:///home/acme/flow-project/acmeCo/order-totals.migrations.sql":"CREATE TABLE totals (\n  region TEXT PRIMARY KEY,\n  amount REAL NOT NULL DEFAULT 0.0\n);\n"}}}`,
    sub(2,
      sub(1),
      sub(1, varint(1, true)),
      sub(2, bytes(1, 'file:///home/acme/flow-project/README.md'), bytes(2, '# Rollups\n\nGenerated by derive-rollups — édition 1.0\n')),
      sub(2, bytes(1, 'file:///home/acme/flow-project/acmeCo/order-totals.migrations.sql'), bytes(2, 'CREATE TABLE totals (\n  region TEXT PRIMARY KEY,\n  amount REAL NOT NULL DEFAULT 0.0\n);\n')))),

  vec('derive', 'response', 'opened',
    `{"opened":{"runtimeCheckpoint":${CHECKPOINT_DERIVE.json}}}`,
    sub(3, sub(1, ...CHECKPOINT_DERIVE.pb))),

  vec('derive', 'response', 'published',
    `{"published":{"doc":${R_PUBLISHED_DOC}}}`,
    sub(4, bytes(1, R_PUBLISHED_DOC))),

  vec('derive', 'response', 'flushed',
    `{"flushed":{"state":{"updated":${R_DERIVE_FLUSHED_STATE},"mergePatch":true},"more":true}}`,
    sub(5, sub(1, bytes(1, R_DERIVE_FLUSHED_STATE), varint(2, true)), varint(2, true))),

  vec('derive', 'response', 'flushed/empty',
    '{"flushed":{}}',
    sub(5)),

  vec('derive', 'response', 'startedCommit',
    `{"startedCommit":{"state":{"updated":${R_DERIVE_STARTED_COMMIT_STATE}}}}`,
    sub(6, sub(1, bytes(1, R_DERIVE_STARTED_COMMIT_STATE)))),
]

/** Every golden vector: each Request / Response variant of the three protocols, plus `$internal`. */
export const vectors: readonly GoldenVector[] = [
  ...captureRequests,
  ...captureResponses,
  ...materializeRequests,
  ...materializeResponses,
  ...deriveRequests,
  ...deriveResponses,
]

// ---------------------------------------------------------------------------------------------
// Lenient inputs (accepted names, numbers on input, null on input, unknown fields)
// and decoders accepting any key order / unsorted maps. Each decodes to the canonical json/proto.

const input = (
  protocol: Protocol, kind: Kind, variant: string, rule: string, inputLine: string, json: string, ...fields: Field[]
): InputVector => ({ ...vec(protocol, kind, variant, json, ...fields), rule, input: inputLine })

export const inputVectors: readonly InputVector[] = [
  input('capture', 'request', 'discover<-proto-names', 'original proto field names are accepted',
    '{"discover":{"name":"acmeCo/source-orders","connector_type":"IMAGE","config_json":{"address":"db.example.com:5432"},"created_at":"2024-05-17"}}',
    '{"discover":{"name":"acmeCo/source-orders","connectorType":"IMAGE","config":{"address":"db.example.com:5432"},"createdAt":"2024-05-17"}}',
    sub(2, varint(1, 7), bytes(2, '{"address":"db.example.com:5432"}'), bytes(3, 'acmeCo/source-orders'), bytes(4, '2024-05-17'))),

  input('capture', 'request', '$internal<-internal', '"internal" is accepted for "$internal"',
    '{"internal":"CgVkZWJ1ZxD+/wM="}',
    '{"$internal":"CgVkZWJ1ZxD+/wM="}',
    bytes(100, INTERNAL)),

  input('capture', 'request', 'acknowledge<-numeric-string', 'numbers may be given as numeric strings',
    '{"acknowledge":{"checkpoints":"3"}}',
    '{"acknowledge":{"checkpoints":3}}',
    sub(6, varint(1, 3))),

  input('capture', 'request', 'acknowledge<-null-sibling', 'null sub-messages are absent',
    '{"spec":null,"discover":null,"acknowledge":{"checkpoints":3}}',
    '{"acknowledge":{"checkpoints":3}}',
    sub(6, varint(1, 3))),

  input('capture', 'request', 'acknowledge<-unknown-field', 'unknown keys in requests are skipped',
    '{"acknowledge":{"checkpoints":3,"futureField":{"nested":[1.0,1e3]}}}',
    '{"acknowledge":{"checkpoints":3}}',
    sub(6, varint(1, 3))),

  input('capture', 'request', 'open<-any-order', 'keys may come in any order; explicit defaults are dropped',
    '{"open":{"state":{},"range":{"rClockEnd":4294967295,"keyEnd":4294967295,"keyBegin":0},"version":"v1","capture":{"connectorType":"IMAGE","name":"acmeCo/source-orders","config":{"a":1}}}}',
    '{"open":{"capture":{"name":"acmeCo/source-orders","connectorType":"IMAGE","config":{"a":1}},"version":"v1","range":{"keyEnd":4294967295,"rClockEnd":4294967295},"state":{}}}',
    sub(5,
      sub(1, bytes(1, 'acmeCo/source-orders'), varint(2, 7), bytes(3, '{"a":1}')),
      bytes(2, 'v1'),
      sub(3, fixed32(3, 0xffffffff), fixed32(5, 0xffffffff)),
      bytes(4, '{}'))),

  input('capture', 'response', 'sourcedSchema<-schema_json', 'SourcedSchema accepts "schema_json" (estuary-cdk)',
    '{"sourcedSchema":{"binding":2,"schema_json":{"type":"object","additionalProperties":false}}}',
    '{"sourcedSchema":{"binding":2,"documentSchema":{"type":"object","additionalProperties":false}}}',
    sub(8, varint(1, 2), bytes(2, '{"type":"object","additionalProperties":false}'))),

  input('materialize', 'request', 'validate<-unsorted-map', 'map keys are sorted on output whatever the input order',
    '{"validate":{"name":"acmeCo/warehouse","connectorType":"IMAGE","config":{},"secrets":{"/z":"acmeCo/z","":"acmeCo/all","/A":"acmeCo/a"}}}',
    '{"validate":{"name":"acmeCo/warehouse","connectorType":"IMAGE","config":{},"secrets":{"":"acmeCo/all","/A":"acmeCo/a","/z":"acmeCo/z"}}}',
    sub(2,
      bytes(1, 'acmeCo/warehouse'),
      varint(2, 8),
      bytes(3, '{}'),
      sub(8, bytes(2, 'acmeCo/all')),
      sub(8, bytes(1, '/A'), bytes(2, 'acmeCo/a')),
      sub(8, bytes(1, '/z'), bytes(2, 'acmeCo/z')))),

  input('derive', 'request', 'startCommit<-int64-number', 'int64 fields accept JSON numbers',
    '{"startCommit":{"runtimeCheckpoint":{"sources":{"acmeCo/orders/pivot=00":{"readThrough":4096,"producers":[{"id":"AQIDBAUG","state":{"lastAck":8675309,"begin":"-1"}}]}}}}}',
    '{"startCommit":{"runtimeCheckpoint":{"sources":{"acmeCo/orders/pivot=00":{"readThrough":"4096","producers":[{"id":"AQIDBAUG","state":{"lastAck":"8675309","begin":"-1"}}]}}}}}',
    sub(6, sub(1, sub(1,
      bytes(1, 'acmeCo/orders/pivot=00'),
      sub(2, varint(1, 4096), sub(2, bytes(1, PRODUCER_C), sub(2, fixed64(1, 8675309n), varint(2, -1)))))))),

  // serde_json reads integer literals exactly; a decoder going through JS doubles would not.
  input('derive', 'request', 'startCommit<-int64-number-beyond-2^53', 'int64 / fixed64 JSON numbers are read exactly',
    '{"startCommit":{"runtimeCheckpoint":{"sources":{"acmeCo/orders/pivot=00":{"readThrough":9007199254740993,"producers":[{"id":"AQIDBAUG","state":{"lastAck":18446744073709551615}}]}}}}}',
    '{"startCommit":{"runtimeCheckpoint":{"sources":{"acmeCo/orders/pivot=00":{"readThrough":"9007199254740993","producers":[{"id":"AQIDBAUG","state":{"lastAck":"18446744073709551615"}}]}}}}}',
    sub(6, sub(1, sub(1,
      bytes(1, 'acmeCo/orders/pivot=00'),
      sub(2, varint(1, 9007199254740993n), sub(2, bytes(1, PRODUCER_C), sub(2, fixed64(1, 0xffffffffffffffffn)))))))),

  input('capture', 'request', 'validate<-null-message-field', 'null optional sub-message fields are absent',
    '{"validate":{"name":"acmeCo/source-orders","connectorType":"IMAGE","config":{},"lastCapture":null,"bindings":[{"resourceConfig":{"table":"t"},"collection":null,"backfill":1}]}}',
    '{"validate":{"name":"acmeCo/source-orders","connectorType":"IMAGE","config":{},"bindings":[{"resourceConfig":{"table":"t"},"backfill":1}]}}',
    sub(3,
      bytes(1, 'acmeCo/source-orders'),
      varint(2, 7),
      bytes(3, '{}'),
      sub(4, bytes(1, '{"table":"t"}'), varint(3, 1)))),
]

// ---------------------------------------------------------------------------------------------
// The five framed worked examples of a minimal capture session, byte for byte.

const example = (name: string, protocol: Protocol, kind: Kind, json: string, printed: string): WorkedExample =>
  ({ name, protocol, kind, json, printed, framed: printed.replace(/ /g, '') })

export const worked: readonly WorkedExample[] = [
  example('Request{spec{connectorType IMAGE(7), config `{}`}}', 'capture', 'request',
    '{"spec":{"connectorType":"IMAGE","config":{}}}',
    '08 00 00 00 0a 06 08 07 12 02 7b 7d'),
  example('Response{opened{explicitAcknowledgements true}}', 'capture', 'response',
    '{"opened":{"explicitAcknowledgements":true}}',
    '04 00 00 00 2a 02 08 01'),
  example('Response{captured{binding 0, doc `{"a":1}`}}', 'capture', 'response',
    '{"captured":{"doc":{"a":1}}}',
    '0b 00 00 00 32 09 12 07 7b 22 61 22 3a 31 7d'),
  example('Response{checkpoint{state{updated `{}`, mergePatch true}}}', 'capture', 'response',
    '{"checkpoint":{"state":{"updated":{},"mergePatch":true}}}',
    '0a 00 00 00 3a 08 0a 06 0a 02 7b 7d 10 01'),
  example('Request{acknowledge{checkpoints 1}}', 'capture', 'request',
    '{"acknowledge":{"checkpoints":1}}',
    '04 00 00 00 32 02 08 01'),
]
