// Client-side RESP2/RESP3 reply reader: turns a server's byte stream into values.
//
// Used by tests, the differential runner and (later) replication. Incremental: Feed() bytes as
// they arrive, then call Next() until it returns kNeedMore.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::protocol {

struct RespValue {
  enum class Type : uint8_t {
    kSimpleString,  // +
    kError,         // -  (str holds the text without '-')
    kInteger,       // :
    kBulk,          // $
    kNull,          // $-1, *-1 or _
    kArray,         // *
    kMap,           // %  (elems holds key, value, key, value, ...)
    kSet,           // ~
    kPush,          // >
    kDouble,        // ,  (str holds the text as sent)
    kBool,          // #
    kVerbatim,      // =  (str holds the text without the "txt:" prefix)
    kBigNumber,     // (
  };
  Type type = Type::kNull;
  std::string str;
  int64_t integer = 0;  // kInteger; kBool as 0/1
  std::vector<RespValue> elems;

  bool is_error() const { return type == Type::kError; }
};

class RespReader {
 public:
  enum class Status { kValue, kNeedMore, kError };

  void Feed(std::string_view bytes) { buf_.append(bytes); }
  // Extracts the next complete value. `raw`, when given, receives its exact bytes.
  Status Next(RespValue* value, std::string* raw = nullptr);
  const std::string& error() const { return error_; }
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  std::string buf_;
  size_t pos_ = 0;
  std::string error_;
};

// A one-line human-readable rendering (like redis-cli's, on one line), for test messages.
std::string DebugString(const RespValue& value);
// Appends `s` double-quoted with Redis's escapes (sdscatrepr): \\ \" \n \r \t \a \b, other
// bytes outside printable ASCII as \xHH. redis-cli prints strings this way, and Redis quotes AOF
// manifest file names this way.
void AppendQuotedRepr(std::string_view s, std::string* out);

}  // namespace tessera::protocol
