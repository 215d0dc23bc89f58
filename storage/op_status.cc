#include "storage/op_status.h"

#include "storage/errors.h"

namespace tessera::storage {

std::string_view ErrorText(OpStatus status) {
  switch (status) {
    case OpStatus::kOk:
    case OpStatus::kNoKey:
    case OpStatus::kNotPerformed:
      return {};
    case OpStatus::kWrongType:
      return kErrWrongType;
    case OpStatus::kNotInteger:
      return kErrNotInteger;
    case OpStatus::kNotFloat:
      return kErrNotFloat;
    case OpStatus::kOverflow:
      return kErrIncrOverflow;
    case OpStatus::kNanOrInfinity:
      return kErrNanOrInfinity;
    case OpStatus::kTooLarge:
      return kErrStringTooLong;
    case OpStatus::kOffsetOutOfRange:
      return kErrOffsetOutOfRange;
    case OpStatus::kNoSuchKey:
      return kErrNoSuchKey;
    case OpStatus::kSameObject:
      return kErrSameObject;
  }
  return {};
}

}  // namespace tessera::storage
