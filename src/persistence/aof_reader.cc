#include "src/persistence/aof_reader.h"

#include <fcntl.h>
#include <strings.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "protocol/reply_builder.h"

namespace tessera::persistence {
namespace {

constexpr size_t kBufferSize = 64 * 1024;
// Longer counts or lengths than this (10^18) are garbage, and would overflow int64 soon after.
constexpr size_t kMaxDigits = 18;

bool EqualsIgnoreCase(std::string_view a, const char* b) {
  return a.size() == std::strlen(b) && ::strncasecmp(a.data(), b, a.size()) == 0;
}

}  // namespace

AofReader::~AofReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool AofReader::Open(const std::string& path, std::string display_name, uint64_t start_offset) {
  name_ = std::move(display_name);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    error_ = "Can't open the append-only file " + name_ + ": " + std::strerror(errno);
    return false;
  }
  if (start_offset != 0 && ::lseek(fd_, static_cast<off_t>(start_offset), SEEK_SET) < 0) {
    error_ = "Can't seek in the append-only file " + name_ + ": " + std::strerror(errno);
    return false;
  }
  buf_.resize(kBufferSize);
  buf_offset_ = start_offset;
  command_start_ = command_end_ = start_offset;
  Fill f = Ensure(5);
  if (f == Fill::kError) {
    ReadFail();
    return false;
  }
  rdb_preamble_ = f == Fill::kOk && std::memcmp(buf_.data() + head_, "REDIS", 5) == 0;
  return true;
}

AofReader::Fill AofReader::Ensure(size_t n) {
  if (tail_ - head_ >= n) return Fill::kOk;
  if (head_ > 0) {
    std::memmove(buf_.data(), buf_.data() + head_, tail_ - head_);
    buf_offset_ += head_;
    tail_ -= head_;
    head_ = 0;
  }
  while (tail_ < n) {
    ssize_t r = ::read(fd_, buf_.data() + tail_, buf_.size() - tail_);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Fill::kError;
    }
    if (r == 0) return Fill::kEof;
    tail_ += static_cast<size_t>(r);
  }
  return Fill::kOk;
}

AofReader::Result AofReader::Fail(const char* detail) {
  error_offset_ = command_start_;
  error_detail_ = detail;
  error_ = "Bad file format reading the append only file " + name_ + " at offset " +
           std::to_string(command_start_);
  return Result::kError;
}

AofReader::Result AofReader::ReadFail() {
  error_offset_ = command_start_;
  error_ =
      "Unrecoverable error reading the append only file " + name_ + ": " + std::strerror(errno);
  return Result::kError;
}

// Validates byte by byte, so a file cut anywhere inside a well-formed header is kTruncated and
// anything that could never become a header is kError, however close to the end it is.
AofReader::Result AofReader::ReadHeader(char prefix, int64_t* value) {
  int64_t v = 0;
  bool negative = false;
  size_t digits = 0;
  for (size_t k = 1;; ++k) {
    Fill f = Ensure(k);
    if (f == Fill::kEof) return Result::kTruncated;
    if (f == Fill::kError) return ReadFail();
    const char c = buf_[head_ + k - 1];
    if (k == 1) {
      if (c != prefix) return Fail("unexpected type byte");
      continue;
    }
    if (c == '\r') {
      if (digits == 0) return Fail("missing number");
      f = Ensure(k + 1);
      if (f == Fill::kEof) return Result::kTruncated;
      if (f == Fill::kError) return ReadFail();
      if (buf_[head_ + k] != '\n') return Fail("missing LF");
      head_ += k + 1;
      *value = negative ? -v : v;
      return Result::kCommand;
    }
    if (c == '-' && k == 2) {
      negative = true;
      continue;
    }
    if (c < '0' || c > '9' || digits == kMaxDigits) return Fail("bad number");
    v = v * 10 + (c - '0');
    ++digits;
  }
}

AofReader::Result AofReader::ReadBulk(int64_t len, protocol::CommandArgs* args) {
  args->OpenArg();
  uint64_t remaining = static_cast<uint64_t>(len);
  while (remaining > 0) {
    Fill f = Ensure(1);
    if (f == Fill::kEof) return Result::kTruncated;
    if (f == Fill::kError) return ReadFail();
    size_t take = std::min<uint64_t>(remaining, tail_ - head_);
    args->AppendToLastArg(std::string_view(buf_.data() + head_, take));
    head_ += take;
    remaining -= take;
  }
  for (size_t i = 0; i < 2; ++i) {
    Fill f = Ensure(1);
    if (f == Fill::kEof) return Result::kTruncated;
    if (f == Fill::kError) return ReadFail();
    if (buf_[head_] != (i == 0 ? '\r' : '\n')) return Fail("missing CRLF after bulk");
    ++head_;
  }
  return Result::kCommand;
}

AofReader::Result AofReader::Next(protocol::CommandArgs* args) {
  args->Clear();
  if (!error_.empty()) return Result::kError;
  if (fd_ < 0) {
    error_ = "The append-only file is not open";
    return Result::kError;
  }
  if (rdb_preamble_) {
    error_ = "The append-only file " + name_ + " starts with an RDB preamble";
    return Result::kError;
  }
  if (done_) return in_multi_ ? Result::kTruncated : Result::kEnd;
  while (true) {
    command_start_ = pos();
    Fill f = Ensure(1);
    if (f == Fill::kError) return ReadFail();
    if (f == Fill::kEof) {
      done_ = true;
      return in_multi_ ? Result::kTruncated : Result::kEnd;
    }
    if (buf_[head_] != '#') break;
    // An annotation line: skip it whole, or treat a torn one like a torn command.
    size_t k = 1;
    while (true) {
      f = Ensure(k);
      if (f == Fill::kEof) return Result::kTruncated;
      if (f == Fill::kError) return ReadFail();
      if (buf_[head_ + k - 1] == '\n') break;
      if (k == tail_ - head_ && k == buf_.size()) return Fail("annotation too long");
      ++k;
    }
    head_ += k;
    command_end_ = pos();
  }

  int64_t argc = 0;
  Result r = ReadHeader('*', &argc);
  if (r != Result::kCommand) return r;
  if (argc < 1) return Fail("invalid multibulk length");
  for (int64_t i = 0; i < argc; ++i) {
    int64_t len = 0;
    r = ReadHeader('$', &len);
    if (r != Result::kCommand) return r;
    if (len < 0) return Fail("invalid bulk length");
    r = ReadBulk(len, args);
    if (r != Result::kCommand) return r;
  }
  command_end_ = pos();
  ++commands_;
  const std::string_view name = (*args)[0];
  if (EqualsIgnoreCase(name, "multi")) {
    if (!in_multi_) multi_start_ = command_start_;
    in_multi_ = true;
  } else if (EqualsIgnoreCase(name, "exec") || EqualsIgnoreCase(name, "discard")) {
    in_multi_ = false;
  }
  return Result::kCommand;
}

AofReader::Result AofReader::Next(std::vector<std::string>* args) {
  protocol::CommandArgs parsed;
  Result r = Next(&parsed);
  args->clear();
  for (size_t i = 0; i < parsed.size(); ++i) args->emplace_back(parsed[i]);
  return r;
}

// A command is an array of bulk strings, which is what ReplyBuilder writes in RESP2.
void AppendRespCommand(std::string* out, std::initializer_list<std::string_view> args) {
  protocol::ReplyBuilder resp(out, protocol::RespVersion::kResp2);
  resp.Array(args.size());
  for (std::string_view a : args) resp.Bulk(a);
}

void AppendRespCommand(std::string* out, const protocol::CommandArgs& args) {
  protocol::ReplyBuilder resp(out, protocol::RespVersion::kResp2);
  resp.Array(args.size());
  for (size_t i = 0; i < args.size(); ++i) resp.Bulk(args[i]);
}

}  // namespace tessera::persistence
