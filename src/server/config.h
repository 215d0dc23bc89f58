// Server configuration: the directive table, redis.conf parsing, CONFIG GET/SET.
//
// Every directive has a canonical text value (what CONFIG GET shows) and, when something reads
// it on a hot path, a typed binding (an atomic the owning layer reads). Parsing and CONFIG SET
// validate with Redis 7.0's rules and error texts. Thread-safe: CONFIG runs on any loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::server {

class Config {
 public:
  enum class Kind { kInt, kMemory, kBool, kString, kEnum, kSpecial };

  struct Param {
    std::string name;
    Kind kind = Kind::kString;
    std::string value;  // canonical text
    bool immutable = false;
    int64_t min = 0;
    int64_t max = 0;
    std::vector<std::string> choices;  // kEnum
    // Validates `text` (already a single argument) and returns "" or the Redis error suffix
    // ("argument must be ..."). kSpecial params use it to parse; others use the generic rules.
    std::function<std::string(std::string_view text, std::string* canonical)> parse;
    // Applies a new canonical value (runs under the config lock; must be quick).
    std::function<void(const std::string& canonical)> apply;
  };

  Config();

  // Adds a directive. Registration happens at startup, before any concurrency.
  Param& Add(Param param);
  Param& AddInt(std::string name, int64_t def, int64_t min, int64_t max,
                std::atomic<int64_t>* target = nullptr);
  Param& AddMemory(std::string name, int64_t def, int64_t min, int64_t max,
                   std::atomic<int64_t>* target = nullptr);
  Param& AddBool(std::string name, bool def, std::atomic<bool>* target = nullptr);
  Param& AddString(std::string name, std::string def);
  Param& AddEnum(std::string name, std::string def, std::vector<std::string> choices);
  void AddAlias(std::string alias, std::string name);

  // Loads redis.conf text. Errors name the line as redis-server does. Returns false on error.
  bool LoadText(std::string_view text, std::string* error);
  // Command-line options after the optional config file: "--port 7000 --threads 4".
  bool LoadArgs(const std::vector<std::string>& args, std::string* error);

  // CONFIG SET with (name, value) pairs, all-or-nothing. Returns "" or the full error text.
  std::string Set(const std::vector<std::pair<std::string, std::string>>& pairs);
  // CONFIG GET: every (name, value) whose name matches any of the glob patterns.
  std::vector<std::pair<std::string, std::string>> Get(const std::vector<std::string>& patterns);
  // The current canonical value of `name` ("" if unknown).
  std::string Value(std::string_view name);
  int64_t IntValue(std::string_view name);

 private:
  Param* Find(std::string_view name);
  // Parses and applies one directive from a config file / argv. Returns "" or an error.
  std::string ApplyDirective(const std::vector<std::string>& args, bool startup);
  std::string Validate(Param& p, std::string_view text, std::string* canonical);

  std::mutex mu_;
  std::map<std::string, Param, std::less<>> params_;
  std::map<std::string, std::string, std::less<>> aliases_;
};

// Parses Redis memory units: "1gb", "512mb", "100k", plain bytes. False if malformed.
bool ParseMemory(std::string_view text, int64_t* out);

}  // namespace tessera::server
