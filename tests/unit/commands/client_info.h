// Parsing CLIENT LIST / CLIENT INFO text in tests.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace tessera::commands {

// "k1=v1 k2=v2 ..." -> ordered field names and a name -> value map.
struct InfoLine {
  std::vector<std::string> names;
  std::map<std::string, std::string> fields;
};
inline InfoLine ParseInfoLine(const std::string& line) {
  InfoLine out;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t end = line.find(' ', pos);
    if (end == std::string::npos) end = line.size();
    std::string word = line.substr(pos, end - pos);
    size_t eq = word.find('=');
    out.names.push_back(word.substr(0, eq));
    out.fields[word.substr(0, eq)] = eq == std::string::npos ? "" : word.substr(eq + 1);
    pos = end + 1;
  }
  return out;
}

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

}  // namespace tessera::commands
