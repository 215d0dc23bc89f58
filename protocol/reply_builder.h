// Encodes replies in RESP2 or RESP3, chosen per connection by HELLO.
//
// RESP3-only types degrade in RESP2 exactly as Redis 7.0 degrades them: Map -> flat array of
// 2n, Set/Push -> array, Double -> bulk string ("%.17g", "inf", "-inf"), Bool -> integer 1/0,
// Null -> $-1 (NullArray -> *-1), Verbatim -> bulk string, BigNumber -> bulk string.
// Appends to a caller-owned std::string; never flushes, never allocates besides that string.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tessera::protocol {

enum class RespVersion : uint8_t { kResp2 = 2, kResp3 = 3 };

class ReplyBuilder {
 public:
  ReplyBuilder(std::string* out, RespVersion version) : out_(out), version_(version) {}

  RespVersion version() const { return version_; }
  bool resp3() const { return version_ == RespVersion::kResp3; }
  std::string* out() { return out_; }

  void SimpleString(std::string_view s);  // "+s\r\n"; s must not contain CR/LF
  void Ok() { out_->append("+OK\r\n", 5); }
  // `message` is the whole error line without '-' and CRLF, e.g. "ERR syntax error" or
  // "WRONGTYPE Operation against a key holding the wrong kind of value". CR/LF inside it are
  // replaced by spaces, as Redis does, so an error can never break the protocol stream.
  void Error(std::string_view message);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  void Null();       // RESP2 "$-1", RESP3 "_"
  void NullArray();  // RESP2 "*-1", RESP3 "_"
  void Array(size_t n);
  void Map(size_t n);  // n key/value pairs
  void Set(size_t n);
  void Push(size_t n);
  void Double(double d);
  void Bool(bool b);
  void Verbatim(std::string_view text, std::string_view format = "txt");
  void BigNumber(std::string_view digits);
  // Bytes already encoded (e.g. a reply built elsewhere). The caller vouches for validity.
  void Raw(std::string_view encoded) { out_->append(encoded); }

 private:
  void Header(char type, int64_t n);
  std::string* out_;
  RespVersion version_;
};

// Redis's double formatting for replies: "%.17g", with "inf"/"-inf".
std::string FormatDouble(double d);

}  // namespace tessera::protocol
