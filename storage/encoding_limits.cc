#include "storage/encoding_limits.h"

namespace tessera::storage {

EncodingLimits& GlobalEncodingLimits() {
  static EncodingLimits limits;
  return limits;
}

}  // namespace tessera::storage
