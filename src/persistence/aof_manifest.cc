#include "src/persistence/aof_manifest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "protocol/resp_reader.h"

namespace tessera::persistence {
namespace {

std::string Errno(const char* what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits a line into tokens with the quoting rules of redis-cli arguments (which is what Redis
// uses for the manifest): bare words; "double quotes" with \n \r \t \b \a \\ \" \xHH escapes;
// 'single quotes' with only \' as an escape. A closing quote must be followed by a space or the
// end of the line. Returns false on unbalanced quotes.
bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i == n) return true;
    std::string tok;
    if (line[i] == '"') {
      ++i;
      while (true) {
        if (i == n) return false;
        char c = line[i];
        if (c == '"') {
          ++i;
          if (i < n && !IsSpace(line[i])) return false;
          break;
        }
        if (c == '\\' && i + 1 < n) {
          char e = line[i + 1];
          if (e == 'x' && i + 3 < n && HexValue(line[i + 2]) >= 0 && HexValue(line[i + 3]) >= 0) {
            tok.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
            i += 4;
            continue;
          }
          switch (e) {
            case 'n':
              tok.push_back('\n');
              break;
            case 'r':
              tok.push_back('\r');
              break;
            case 't':
              tok.push_back('\t');
              break;
            case 'b':
              tok.push_back('\b');
              break;
            case 'a':
              tok.push_back('\a');
              break;
            default:
              tok.push_back(e);
              break;
          }
          i += 2;
          continue;
        }
        tok.push_back(c);
        ++i;
      }
    } else if (line[i] == '\'') {
      ++i;
      while (true) {
        if (i == n) return false;
        char c = line[i];
        if (c == '\'') {
          ++i;
          if (i < n && !IsSpace(line[i])) return false;
          break;
        }
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          tok.push_back('\'');
          i += 2;
          continue;
        }
        tok.push_back(c);
        ++i;
      }
    } else {
      while (i < n && !IsSpace(line[i])) tok.push_back(line[i++]);
    }
    out->push_back(std::move(tok));
  }
}

bool NeedsQuoting(std::string_view name) {
  if (name.empty()) return true;
  if (name[0] == '"' || name[0] == '\'' || name[0] == '#') return true;
  for (unsigned char c : name) {
    if (c <= ' ' || c >= 127 || c == '"' || c == '\\') return true;
  }
  return false;
}

void AppendEntry(std::string* out, const AofFileInfo& f) {
  out->append("file ");
  if (NeedsQuoting(f.name)) {
    protocol::AppendQuotedRepr(f.name, out);
  } else {
    out->append(f.name);
  }
  out->append(" seq ");
  out->append(std::to_string(f.seq));
  out->append(" type ");
  out->push_back(static_cast<char>(f.type));
  out->push_back('\n');
}

bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

bool ParseAofManifest(std::string_view text, AofManifest* out, std::string* error) {
  *out = AofManifest{};
  if (text.empty()) {
    *error = "Found an empty AOF manifest";
    return false;
  }
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    size_t nl = text.find('\n', pos);
    // Redis reads lines into a fixed buffer and requires each to end in '\n' within it: a last
    // line without '\n' (a torn write, since we write manifests atomically) is rejected too.
    if (nl == std::string_view::npos || nl - pos + 1 > kAofManifestMaxLine) {
      *error = "The AOF manifest file contains too long line";
      return false;
    }
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (!raw.empty() && raw[0] == '#') continue;

    std::string_view line = raw;
    while (!line.empty() && IsSpace(line.front())) line.remove_prefix(1);
    while (!line.empty() && IsSpace(line.back())) line.remove_suffix(1);
    auto fail = [&](const char* why) {
      *error = "Reading the manifest file, at line " + std::to_string(line_no) + "\n>>> '" +
               std::string(line) + "'\n" + why;
      return false;
    };

    std::vector<std::string> args;
    if (!SplitArgs(line, &args) || args.size() < 6 || args.size() % 2 != 0) {
      return fail("Invalid AOF manifest file format");
    }
    AofFileInfo info;
    bool have_name = false;
    char type = 0;
    for (size_t i = 0; i < args.size(); i += 2) {
      const std::string& key = args[i];
      const std::string& value = args[i + 1];
      if (key == "file") {
        info.name = value;
        have_name = true;
      } else if (key == "seq") {
        int64_t seq = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seq);
        info.seq = (ec == std::errc() && end == value.data() + value.size()) ? seq : 0;
      } else if (key == "type") {
        type = value.empty() ? 0 : value[0];
      }
      // Other keys are ignored: Redis leaves room for fields added by later versions.
    }
    if (!have_name || info.name.empty() || info.seq <= 0 || type == 0) {
      return fail("Invalid AOF manifest file format");
    }
    if (info.name.find('/') != std::string::npos) {
      return fail("File can't be a path, just a filename");
    }
    switch (type) {
      case 'b':
        if (out->base) return fail("Found duplicate base file information");
        info.type = AofFileType::kBase;
        out->base = std::move(info);
        break;
      case 'h':
        info.type = AofFileType::kHistory;
        out->history.push_back(std::move(info));
        break;
      case 'i':
        if (!out->incrs.empty() && info.seq <= out->incrs.back().seq) {
          return fail("Found a non-monotonic sequence number");
        }
        info.type = AofFileType::kIncr;
        out->incrs.push_back(std::move(info));
        break;
      default:
        return fail("Unknown AOF file type");
    }
  }
  return true;
}

std::string SerializeAofManifest(const AofManifest& manifest) {
  std::string out;
  if (manifest.base) AppendEntry(&out, *manifest.base);
  for (const AofFileInfo& f : manifest.history) AppendEntry(&out, f);
  for (const AofFileInfo& f : manifest.incrs) AppendEntry(&out, f);
  return out;
}

bool ReadAofManifestFile(const std::string& path, AofManifest* out, bool* missing,
                         std::string* error) {
  *missing = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) *missing = true;
    *error = Errno("Can't open the AOF manifest file", path);
    return false;
  }
  std::string text;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = Errno("Can't read the AOF manifest file", path);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return ParseAofManifest(text, out, error);
}

bool FsyncDirectory(const std::string& dir, std::string* error) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *error = Errno("Can't open directory", dir);
    return false;
  }
  bool ok = ::fsync(fd) == 0;
  if (!ok) *error = Errno("Can't fsync directory", dir);
  ::close(fd);
  return ok;
}

bool FsyncPath(const std::string& path, std::string* error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = Errno("Can't open", path);
    return false;
  }
  bool ok = ::fsync(fd) == 0;
  if (!ok) *error = Errno("Can't fsync", path);
  ::close(fd);
  return ok;
}

bool WriteAofManifestFile(const std::string& dir, const std::string& name,
                          const AofManifest& manifest, std::string* error) {
  const std::string final_path = dir + "/" + name;
  const std::string temp_path = dir + "/temp-" + name;
  int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = Errno("Can't open the AOF manifest file", temp_path);
    return false;
  }
  const std::string text = SerializeAofManifest(manifest);
  if (!WriteAll(fd, text)) {
    *error = Errno("Can't write the AOF manifest file", temp_path);
    ::close(fd);
    ::unlink(temp_path.c_str());
    return false;
  }
  if (::fsync(fd) != 0) {
    *error = Errno("Can't fsync the AOF manifest file", temp_path);
    ::close(fd);
    ::unlink(temp_path.c_str());
    return false;
  }
  ::close(fd);
  if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    *error = Errno("Can't rename the AOF manifest file to", final_path);
    ::unlink(temp_path.c_str());
    return false;
  }
  return FsyncDirectory(dir, error);
}

}  // namespace tessera::persistence
