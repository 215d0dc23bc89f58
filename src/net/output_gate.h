// Holds replies back until what they acknowledge is durable: under `appendfsync always` a write
// is acknowledged only once its journal record is fsynced (docs/aof.md).
//
// LoopNet asks before it writes a loop's pending output. A gate that says "not yet" must wake
// that loop (Loop::Post) once the output may go; the loop then asks again. Holding all of a
// loop's output, reads included, is what Redis does too (it writes replies after the fsync in
// beforeSleep), and it keeps a reader from seeing a write that a crash could still take back.
#pragma once

namespace tessera::net {

class OutputGate {
 public:
  virtual ~OutputGate() = default;
  // On loop `loop_index`'s thread.
  virtual bool MayWrite(int loop_index) = 0;
};

}  // namespace tessera::net
