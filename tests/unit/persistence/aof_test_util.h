// Helpers shared by the AOF unit tests: a scratch directory and whole-file reads and writes.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tessera::persistence::aoftest {

// A fresh directory under the system temp dir, removed with everything in it at scope end.
struct TempDir {
  explicit TempDir(const char* prefix = "aof") {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / (std::string(prefix) + "_XXXXXX")).string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

}  // namespace tessera::persistence::aoftest
