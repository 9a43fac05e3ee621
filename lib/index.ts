// The root of flowkit, explicitly partial: what a capture author imports every day. It
// re-exports, whole, flowkit/capture (define and run a capture, its events), flowkit/ops
// (pipeline operators), flowkit/json (pointers, merge patches) and flowkit/errors. The rest is
// at its own subpath only: flowkit/protocol (messages, Flow's JSON mapping), flowkit/codec
// (framing), flowkit/io (the logger), flowkit/testing (running a connector as Flow's runtime
// does), so that a connector's bundle holds none of it unless it asks.
export * from './errors.ts'
export * from './capture/index.ts'
export * from './ops/index.ts'
export * from './json/index.ts'
