#include "storage/value.h"

#include <utility>

#include "storage/numbers.h"

namespace tessera::storage {

const char* TypeName(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return "string";
    case ValueType::kList:
      return "list";
    case ValueType::kHash:
      return "hash";
    case ValueType::kSet:
      return "set";
    case ValueType::kZSet:
      return "zset";
    case ValueType::kStream:
      return "stream";
  }
  return "none";
}

ValueInit ValueInit::String(std::string_view bytes) {
  int64_t v;
  if (bytes.size() <= 20 && ParseInt64(bytes, &v)) return Int(v);
  return StringNoInt(bytes);
}

ValueInit ValueInit::StringNoInt(std::string_view bytes) {
  ValueInit init(ValueType::kString,
                 bytes.size() <= kEmbStrMaxLen ? Encoding::kEmbStr : Encoding::kRaw);
  init.bytes_ = bytes;
  return init;
}

ValueInit ValueInit::Raw(std::string_view bytes) {
  ValueInit init(ValueType::kString, Encoding::kRaw);
  init.bytes_ = bytes;
  return init;
}

ValueInit ValueInit::Int(int64_t value) {
  ValueInit init(ValueType::kString, Encoding::kInt);
  init.int_value_ = value;
  return init;
}

ValueInit ValueInit::Object(ValueType type, std::unique_ptr<StoredObject> object) {
  ValueInit init(type, Encoding::kObject);
  init.object_ = std::move(object);
  return init;
}

}  // namespace tessera::storage
