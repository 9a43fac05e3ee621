import t from 'tap'
import {
  DEFAULT_CHUNK_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  resolveChunkBytes,
  resolveMaxFrameBytes,
} from '../../lib/codec/limits.ts'

t.test('defaults: 64 MiB frames (Flow runtime MAX_MESSAGE_SIZE), 64 KiB chunks', async (t) => {
  t.equal(DEFAULT_MAX_FRAME_BYTES, 1 << 26)
  t.equal(DEFAULT_CHUNK_BYTES, 1 << 16)
  t.equal(resolveMaxFrameBytes(undefined), DEFAULT_MAX_FRAME_BYTES)
  t.equal(resolveChunkBytes(undefined), DEFAULT_CHUNK_BYTES)
})

t.test('accepts integers in range and rejects the rest with an ArgumentError', async (t) => {
  for (const ok of [0, 1, 1 << 26, 0xffff_ffff]) t.equal(resolveMaxFrameBytes(ok), ok)
  for (const bad of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32]) {
    t.throws(() => resolveMaxFrameBytes(bad), { name: 'ArgumentError', code: 'ARGUMENT_INVALID', message: /^maxFrameBytes must be/ }, `maxFrameBytes ${bad}`)
  }
  for (const ok of [16, 4096, 1 << 20]) t.equal(resolveChunkBytes(ok), ok)
  for (const bad of [0, 15, 1.5, Number.NaN, 2 ** 32]) {
    t.throws(() => resolveChunkBytes(bad), { name: 'ArgumentError', code: 'ARGUMENT_INVALID', message: /^chunkBytes must be/ }, `chunkBytes ${bad}`)
  }
})
