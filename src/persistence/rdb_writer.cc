#include "src/persistence/rdb_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "src/persistence/crc64.h"
#include "src/persistence/lzf.h"
#include "src/persistence/rdb_format.h"
#include "src/persistence/redis_blobs.h"
#include "storage/db_table.h"
#include "storage/hash_value.h"
#include "storage/list_value.h"
#include "storage/numbers.h"
#include "storage/set_value.h"
#include "storage/zset_value.h"

namespace tessera::persistence {
namespace {

void AppendLe(std::string* out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Redis's rdbEncodeInteger: INT8/16/32 when v fits; false otherwise.
bool AppendEncodedInt(int64_t v, std::string* out) {
  if (v >= INT8_MIN && v <= INT8_MAX) {
    out->push_back(static_cast<char>((kRdbEncVal << 6) | kRdbEncInt8));
    AppendLe(out, static_cast<uint64_t>(v), 1);
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    out->push_back(static_cast<char>((kRdbEncVal << 6) | kRdbEncInt16));
    AppendLe(out, static_cast<uint64_t>(v), 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out->push_back(static_cast<char>((kRdbEncVal << 6) | kRdbEncInt32));
    AppendLe(out, static_cast<uint64_t>(v), 4);
  } else {
    return false;
  }
  return true;
}

// rdbSaveLzfStringObject: only worth it when at least 4 bytes are saved.
bool AppendLzf(std::string_view s, std::string* out) {
  if (s.size() <= 4) return false;
  std::string buf(s.size() - 4, '\0');
  const size_t n = LzfCompress(s.data(), s.size(), buf.data(), buf.size());
  if (n == 0) return false;
  out->push_back(static_cast<char>((kRdbEncVal << 6) | kRdbEncLzf));
  AppendRdbLength(n, out);
  AppendRdbLength(s.size(), out);
  out->append(buf.data(), n);
  return true;
}

void AppendList(const storage::ListValue& list, bool compress, std::string* out) {
  AppendRdbLength(list.node_count(), out);
  // Node by node, so the file has the same node boundaries as memory (as Redis writes them).
  storage::ListValue::Cursor c = list.At(0);
  storage::Listpack::Value v;
  RedisListpackBuilder node;
  for (size_t i = 0; i < list.node_count(); ++i) {
    for (size_t k = list.node_size(i); k > 0 && c.Valid(); --k, c.Next()) {
      c.Read(&v);
      if (v.is_int) {
        node.AppendInt(v.integer);
      } else {
        node.AppendString(v.str);
      }
    }
    AppendRdbLength(kQuicklistNodePacked, out);
    AppendRdbString(node.Finish(), compress, out);
  }
}

void AppendHash(const storage::HashValue& hash, bool compress, std::string* out) {
  if (hash.kind() == storage::HashValue::Kind::kListpack) {
    // Fields and values become listpack integers when canonical, as Redis's lpAppend does.
    RedisListpackBuilder lp;
    hash.ForEach([&](std::string_view field, std::string_view value) {
      lp.Append(field);
      lp.Append(value);
    });
    AppendRdbString(lp.Finish(), compress, out);
    return;
  }
  AppendRdbLength(hash.size(), out);
  hash.ForEach([&](std::string_view field, std::string_view value) {
    AppendRdbString(field, compress, out);
    AppendRdbString(value, compress, out);
  });
}

void AppendSet(const storage::SetValue& set, bool compress, std::string* out) {
  if (set.kind() == storage::SetValue::Kind::kIntSet) {
    const storage::IntSet ints = static_cast<const storage::IntSetValue&>(set).ints();
    std::vector<int64_t> values(ints.size());
    for (size_t i = 0; i < values.size(); ++i) values[i] = ints.Get(i);
    AppendRdbString(EncodeRedisIntSet(values, ints.width()), compress, out);
    return;
  }
  AppendRdbLength(set.size(), out);
  set.ForEach([&](std::string_view member) { AppendRdbString(member, compress, out); });
}

void AppendZSet(const storage::ZSetValue& zset, bool compress, std::string* out) {
  if (const storage::Listpack* lp = zset.listpack()) {
    AppendRdbString(lp->ToRedisBlob(), compress, out);
    return;
  }
  AppendRdbLength(zset.size(), out);
  // Greatest first, as Redis writes it: a loader inserting each element at the head of a
  // skiplist then never walks.
  for (const storage::SkipList::Node* n = zset.skiplist()->last(); n != nullptr; n = n->prev()) {
    AppendRdbString(n->member(), compress, out);
    AppendRdbBinaryDouble(n->score(), out);
  }
}

// The record type Redis 7.0 writes for the value's encoding.
uint8_t RdbTypeOf(const storage::Entry& e) {
  switch (e.type()) {
    case storage::ValueType::kString:
      return kRdbTypeString;
    case storage::ValueType::kList:
      return kRdbTypeListQuicklist2;
    case storage::ValueType::kHash:
      return static_cast<const storage::HashValue*>(e.object())->kind() ==
                     storage::HashValue::Kind::kListpack
                 ? kRdbTypeHashListpack
                 : kRdbTypeHash;
    case storage::ValueType::kSet:
      return static_cast<const storage::SetValue*>(e.object())->kind() ==
                     storage::SetValue::Kind::kIntSet
                 ? kRdbTypeSetIntset
                 : kRdbTypeSet;
    case storage::ValueType::kZSet:
      return static_cast<const storage::ZSetValue*>(e.object())->packed() ? kRdbTypeZSetListpack
                                                                          : kRdbTypeZSet2;
    case storage::ValueType::kStream:
      break;
  }
  return kRdbTypeStreamListpacks2;
}

}  // namespace

void AppendRdbLength(uint64_t len, std::string* out) {
  if (len < (1 << 6)) {
    out->push_back(static_cast<char>(len));
  } else if (len < (1 << 14)) {
    out->push_back(static_cast<char>((kRdbLen14Bit << 6) | (len >> 8)));
    out->push_back(static_cast<char>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    out->push_back(static_cast<char>(kRdbLen32Bit));
    for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(len >> shift));
  } else {
    out->push_back(static_cast<char>(kRdbLen64Bit));
    for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(len >> shift));
  }
}

void AppendRdbString(std::string_view s, bool compress, std::string* out) {
  int64_t v;
  if (s.size() <= 11 && storage::ParseInt64(s, &v) && AppendEncodedInt(v, out)) return;
  if (compress && s.size() > kRdbCompressMinLen && AppendLzf(s, out)) return;
  AppendRdbLength(s.size(), out);
  out->append(s);
}

void AppendRdbInt64String(int64_t v, std::string* out) {
  if (AppendEncodedInt(v, out)) return;
  char buf[storage::kInt64BufSize];
  const size_t n = storage::FormatInt64(v, buf);
  AppendRdbLength(n, out);
  out->append(buf, n);
}

void AppendRdbBinaryDouble(double v, std::string* out) {
  uint64_t bits;
  static_assert(sizeof(bits) == sizeof(v));
  std::memcpy(&bits, &v, sizeof(bits));
  AppendLe(out, bits, 8);
}

bool AppendRdbRecord(const storage::Entry& e, int64_t expire_at_ms, bool compress,
                     std::string* out) {
  if (e.type() == storage::ValueType::kStream) return false;
  if (expire_at_ms != storage::kNoExpire) {
    out->push_back(static_cast<char>(kRdbOpcodeExpireTimeMs));
    AppendLe(out, static_cast<uint64_t>(expire_at_ms), 8);
  }
  out->push_back(static_cast<char>(RdbTypeOf(e)));
  AppendRdbString(e.key(), compress, out);
  switch (e.type()) {
    case storage::ValueType::kString:
      if (e.encoding() == storage::Encoding::kInt) {
        AppendRdbInt64String(e.int_value(), out);
      } else {
        char buf[storage::kInt64BufSize];
        AppendRdbString(e.StringView(buf), compress, out);
      }
      break;
    case storage::ValueType::kList:
      AppendList(static_cast<const storage::ListValue&>(*e.object()), compress, out);
      break;
    case storage::ValueType::kHash:
      AppendHash(static_cast<const storage::HashValue&>(*e.object()), compress, out);
      break;
    case storage::ValueType::kSet:
      AppendSet(static_cast<const storage::SetValue&>(*e.object()), compress, out);
      break;
    case storage::ValueType::kZSet:
      AppendZSet(static_cast<const storage::ZSetValue&>(*e.object()), compress, out);
      break;
    case storage::ValueType::kStream:
      break;
  }
  return true;
}

void AppendRdbSelectDb(int db, std::string* out) {
  out->push_back(static_cast<char>(kRdbOpcodeSelectDb));
  AppendRdbLength(static_cast<uint64_t>(db), out);
}

void AppendRdbResizeDb(uint64_t keys, uint64_t expires, std::string* out) {
  out->push_back(static_cast<char>(kRdbOpcodeResizeDb));
  AppendRdbLength(keys, out);
  AppendRdbLength(expires, out);
}

void AppendRdbAux(std::string_view key, std::string_view value, std::string* out) {
  out->push_back(static_cast<char>(kRdbOpcodeAux));
  AppendRdbString(key, false, out);
  AppendRdbString(value, false, out);
}

std::string RdbHeader(const RdbAux& aux) {
  std::string out(kRdbMagic);
  out += "0010";
  AppendRdbAux("redis-ver", aux.redis_ver, &out);
  AppendRdbAux("redis-bits", std::to_string(aux.redis_bits), &out);
  AppendRdbAux("ctime", std::to_string(aux.ctime), &out);
  AppendRdbAux("used-mem", std::to_string(aux.used_mem), &out);
  AppendRdbAux("aof-base", aux.aof_base ? "1" : "0", &out);
  return out;
}

// ---- RdbFileWriter.

namespace {

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string ErrnoText(const char* what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

}  // namespace

RdbFileWriter::RdbFileWriter(std::string final_path, std::string temp_path, int fd)
    : final_path_(std::move(final_path)), temp_path_(std::move(temp_path)), fd_(fd) {}

std::unique_ptr<RdbFileWriter> RdbFileWriter::Create(std::string final_path, const RdbAux& aux,
                                                     std::string* error) {
  static std::atomic<uint64_t> counter{0};
  const std::string temp = DirOf(final_path) + "/temp-" + std::to_string(getpid()) + "-" +
                           std::to_string(counter.fetch_add(1)) + ".rdb";
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = ErrnoText("Failed opening the temp RDB file", temp);
    return nullptr;
  }
  std::unique_ptr<RdbFileWriter> w(new RdbFileWriter(std::move(final_path), temp, fd));
  if (!w->WriteLocked(RdbHeader(aux))) {
    *error = w->error();
    return nullptr;  // the destructor removes the file
  }
  w->thread_ = std::thread([raw = w.get()] { raw->Run(); });
  return w;
}

void RdbFileWriter::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopped, nothing left to write
    std::string chunk = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    lock.unlock();
    WriteLocked(chunk);
    lock.lock();
    writing_ = false;
    queued_bytes_.fetch_sub(chunk.size(), std::memory_order_relaxed);
    if (queue_.empty()) idle_.notify_all();
  }
  idle_.notify_all();
}

void RdbFileWriter::StopThread(bool drain) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!drain) {
      queue_.clear();
      queued_bytes_.store(0, std::memory_order_relaxed);
    }
    idle_.wait(lock, [this] { return queue_.empty() && !writing_; });
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

RdbFileWriter::~RdbFileWriter() { Abort(); }

bool RdbFileWriter::WriteLocked(std::string_view bytes) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_ || finished_) {
      if (!failed_) {
        failed_ = true;
        error_ = "RDB file already committed or aborted";
      }
      return false;
    }
  }
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::lock_guard<std::mutex> lock(mu_);
      failed_ = true;
      error_ = ErrnoText("Write error saving DB on disk:", temp_path_);
      return false;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  crc_ = Crc64(crc_, bytes.data(), bytes.size());
  bytes_written_.fetch_add(bytes.size(), std::memory_order_relaxed);
  return true;
}

bool RdbFileWriter::AppendRecords(int db, std::string_view records) {
  std::lock_guard<std::mutex> lock(mu_);
  if (failed_ || finished_ || stop_) return false;
  std::string chunk;
  if (db != last_db_) {
    AppendRdbSelectDb(db, &chunk);
    last_db_ = db;
  }
  chunk.append(records);
  queued_bytes_.fetch_add(chunk.size(), std::memory_order_relaxed);
  queue_.push_back(std::move(chunk));
  wake_.notify_one();
  return true;
}

bool RdbFileWriter::Commit(std::string* error) {
  StopThread(/*drain=*/true);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) {
      *error = "RDB file already committed or aborted";
      return false;
    }
  }
  std::string tail(1, static_cast<char>(kRdbOpcodeEof));
  bool ok = WriteLocked(tail);
  if (ok) {
    std::string sum;
    AppendLe(&sum, crc_, 8);  // the CRC covers everything up to and including EOF
    ok = WriteLocked(sum);
  }
  if (ok && fsync(fd_) != 0) {
    ok = false;
    error_ = ErrnoText("fsync failed on", temp_path_);
  }
  if (close(fd_) != 0 && ok) {
    ok = false;
    error_ = ErrnoText("close failed on", temp_path_);
  }
  fd_ = -1;
  if (ok && rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    ok = false;
    error_ = ErrnoText("Error moving temp DB file on the final destination", final_path_);
  }
  if (ok) {
    // The rename is durable only once the directory entry is.
    const std::string dir = DirOf(final_path_);
    const int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
      ok = false;
      error_ = ErrnoText("fsync failed on directory", dir);
    }
    if (dfd >= 0) close(dfd);
  }
  finished_ = true;
  if (!ok) {
    failed_ = true;
    unlink(temp_path_.c_str());
    *error = error_;
  }
  return ok;
}

void RdbFileWriter::Abort() {
  StopThread(/*drain=*/false);
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  unlink(temp_path_.c_str());
}

std::string RdbFileWriter::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

}  // namespace tessera::persistence
