// Outcome of a shard-side op. Ops return these instead of encoded replies: the command layer
// decides how each maps onto a reply (nil, 0, an error text from ErrorText(), ...).
// Plain values; safe to hand to another thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace tessera::storage {

enum class OpStatus : uint8_t {
  kOk,
  kNoKey,          // the key does not exist (or just expired): nil, 0, -2, ... per command
  kNotPerformed,   // a condition (NX/XX/GT/LT, RENAMENX, COPY without REPLACE) was not met
  kWrongType,      // the key holds another type
  kNotInteger,     // stored value (or argument) is not an integer / out of range
  kNotFloat,       // stored value is not a valid float
  kOverflow,       // INCRBY family would overflow int64
  kNanOrInfinity,  // INCRBYFLOAT result is NaN or +-inf
  kTooLarge,       // resulting string would exceed proto-max-bulk-len
  kOffsetOutOfRange,
  kNoSuchKey,   // RENAME of a missing key: an error, unlike kNoKey
  kSameObject,  // COPY/MOVE onto itself
};

// The Redis error text for error statuses; empty for kOk, kNoKey and kNotPerformed, which are
// not errors but command-specific replies.
std::string_view ErrorText(OpStatus status);

template <typename T>
struct OpResult {
  OpStatus status = OpStatus::kOk;
  T value{};

  bool ok() const { return status == OpStatus::kOk; }
};

}  // namespace tessera::storage
