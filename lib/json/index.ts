// flowkit/json: JSON pointers (RFC 6901) and merge patches (RFC 7396), as connector state and collection keys use them.
export { escapePointerToken, locate, parsePointer, resolvePointer, stringsAtPointers } from './pointer.ts'
export { applyMergePatch, composeMergePatches } from './merge-patch.ts'
