// Turning a command's expire argument into an absolute deadline, with Redis's range rules.
// Parsing the integer itself is the command layer's job; on failure it replies with
// InvalidExpireTimeError(<command name>). Pure functions; any thread.
#pragma once

#include <cstdint>

namespace tessera::storage {

// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT: `value` in seconds or ms, relative to `base_ms` (now
// for EXPIRE/PEXPIRE, 0 for the AT forms). Negative values are allowed (the key is deleted);
// only unit-conversion or addition overflow is rejected.
bool ExpireArgToDeadline(int64_t value, bool seconds, int64_t base_ms, int64_t* at_ms);

// SET EX/PX/EXAT/PXAT and GETEX: `value` must be > 0; relative forms add now_ms. Rejects
// overflow and results <= 0.
bool SetExpireArgToDeadline(int64_t value, bool seconds, bool relative, int64_t now_ms,
                            int64_t* at_ms);

}  // namespace tessera::storage
