// LZF, the compression of long strings in RDB files ("rdbcompression yes").
//
// The stream is a sequence of runs, each starting with a control byte c:
//   c < 32                      a literal: the next c+1 bytes are copied to the output
//   c >= 32, len = c >> 5       a back reference: len 1..6, or 7 followed by a byte added to it;
//                               offset = ((c & 31) << 8 | next byte) + 1 bytes back in the
//                               output; len + 2 bytes are copied from there (they may overlap
//                               the bytes being written, which repeats a pattern)
// So a match is 3..264 bytes long and at most 8192 bytes back.
//
// Pure functions; any thread.
#pragma once

#include <cstddef>

namespace tessera::persistence {

// Compresses n bytes at `in` into `out`, which has room for `out_cap` bytes. Returns the
// compressed length, or 0 when the output does not fit in out_cap (the caller then stores the
// data uncompressed; an RDB writer passes n - 4 or less so that compression must pay).
size_t LzfCompress(const void* in, size_t n, void* out, size_t out_cap);

// Decompresses `in_len` bytes into exactly `out_len` bytes at `out`. False if the input is
// malformed (a reference before the start of the output, a run past the end of the input) or
// does not produce exactly out_len bytes. Never reads or writes out of bounds.
bool LzfDecompress(const void* in, size_t in_len, void* out, size_t out_len);

}  // namespace tessera::persistence
