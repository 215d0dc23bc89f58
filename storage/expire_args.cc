#include "storage/expire_args.h"

#include <cstdint>

namespace tessera::storage {

bool ExpireArgToDeadline(int64_t value, bool seconds, int64_t base_ms, int64_t* at_ms) {
  if (seconds) {
    if (value > INT64_MAX / 1000 || value < INT64_MIN / 1000) return false;
    value *= 1000;
  }
  if (base_ms > 0 && value > INT64_MAX - base_ms) return false;
  *at_ms = value + base_ms;
  return true;
}

bool SetExpireArgToDeadline(int64_t value, bool seconds, bool relative, int64_t now_ms,
                            int64_t* at_ms) {
  if (value <= 0 || (seconds && value > INT64_MAX / 1000)) return false;
  if (seconds) value *= 1000;
  if (relative) {
    if (now_ms > 0 && value > INT64_MAX - now_ms) return false;
    value += now_ms;
  }
  if (value <= 0) return false;
  *at_ms = value;
  return true;
}

}  // namespace tessera::storage
