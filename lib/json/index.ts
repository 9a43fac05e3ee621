// flowkit/json: JSON pointers (RFC 6901) and merge patches (RFC 7396), as connector state and collection keys use them; FoundationDB tuples, as packed keys use them; Flow's JSON order and its reduction annotations.
export { escapePointerToken, locate, parsePointer, resolvePointer, stringsAtPointers } from './pointer.ts'
export { applyMergePatch, composeMergePatches } from './merge-patch.ts'
export { compareJson, compareStrings } from './compare.ts'
export { packTuple, unpackTuple, unpackTupleAsJson, TupleUuid, type TupleValue } from './tuple.ts'
export { compileReducer, type Reducer, type ReduceOptions } from './reduce.ts'
