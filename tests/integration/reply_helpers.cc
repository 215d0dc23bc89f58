#include "tests/integration/reply_helpers.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tessera::integration {

std::string Str(const redisReply* r) { return std::string(r->str, r->len); }

std::string Describe(const redisReply* r) {
  if (r == nullptr) return "<no reply: connection error>";
  switch (r->type) {
    case REDIS_REPLY_STRING:
      return "\"" + EscapeBytes(Str(r)) + "\"";
    case REDIS_REPLY_STATUS:
      return "+" + Str(r);
    case REDIS_REPLY_ERROR:
      return "-" + Str(r);
    case REDIS_REPLY_INTEGER:
      return std::to_string(r->integer);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_ARRAY: {
      std::string out = "[";
      for (size_t i = 0; i < r->elements; ++i) {
        if (i > 0) out += ", ";
        out += Describe(r->element[i]);
      }
      return out + "]";
    }
    default:
      return "<reply type " + std::to_string(r->type) + ">";
  }
}

std::string Joined(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) {
    if (!out.empty()) out += ' ';
    out += EscapeBytes(a.size() > 40 ? a.substr(0, 40) + "..." : a);
  }
  return out;
}

RedisReplyPtr Must(redisContext* c, const std::vector<std::string>& args) {
  RedisReplyPtr r = Command(c, args);
  if (r == nullptr || r->type == REDIS_REPLY_ERROR) {
    ADD_FAILURE() << Joined(args) << " answered " << Describe(r.get());
    return nullptr;
  }
  return r;
}

std::string MustText(redisContext* c, const std::vector<std::string>& args) {
  RedisReplyPtr r = Must(c, args);
  if (r == nullptr) return "";
  if (r->type == REDIS_REPLY_INTEGER) return std::to_string(r->integer);
  if (r->type == REDIS_REPLY_NIL) return "(nil)";
  if (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_STATUS) {
    ADD_FAILURE() << Joined(args) << " answered " << Describe(r.get());
    return "";
  }
  return Str(r.get());
}

int64_t MustInt(redisContext* c, const std::vector<std::string>& args) {
  RedisReplyPtr r = Must(c, args);
  if (r == nullptr) return INT64_MIN;
  if (r->type != REDIS_REPLY_INTEGER) {
    ADD_FAILURE() << Joined(args) << " answered " << Describe(r.get());
    return INT64_MIN;
  }
  return r->integer;
}

std::vector<std::string> Strings(const redisReply* r) {
  std::vector<std::string> out;
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i < r->elements; ++i) {
    const redisReply* e = r->element[i];
    out.push_back(e->type == REDIS_REPLY_INTEGER ? std::to_string(e->integer) : Str(e));
  }
  return out;
}

std::vector<std::string> MustStrings(redisContext* c, const std::vector<std::string>& args) {
  RedisReplyPtr r = Must(c, args);
  if (r == nullptr) return {};
  if (r->type != REDIS_REPLY_ARRAY) {
    ADD_FAILURE() << Joined(args) << " answered " << Describe(r.get());
    return {};
  }
  return Strings(r.get());
}

int64_t NowUnixMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ScratchDir::ScratchDir(const std::string& tag) {
  std::string tmpl = "/tmp/tessera-" + tag + "-XXXXXX";
  if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  EXPECT_FALSE(path_.empty()) << "mkdtemp: " << strerror(errno);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  EXPECT_TRUE(out.good()) << "writing " << path;
}

}  // namespace tessera::integration
