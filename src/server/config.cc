#include "src/server/config.h"

#include <cctype>
#include <charconv>
#include <limits>

#include "protocol/command_args.h"
#include "protocol/inline_args.h"
#include "storage/glob.h"

namespace tessera::server {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ParseInt(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

std::string RangeError(int64_t min, int64_t max) {
  return "argument must be between " + std::to_string(min) + " and " + std::to_string(max) +
         " inclusive";
}

}  // namespace

bool ParseMemory(std::string_view text, int64_t* out) {
  std::string t = Lower(text);
  int64_t mul = 1;
  auto ends = [&](std::string_view suffix) {
    return t.size() > suffix.size() &&
           t.compare(t.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  struct Unit {
    std::string_view suffix;
    int64_t mul;
  };
  static constexpr Unit kUnits[] = {{"gb", 1024LL * 1024 * 1024},
                                    {"mb", 1024LL * 1024},
                                    {"kb", 1024},
                                    {"g", 1000LL * 1000 * 1000},
                                    {"m", 1000LL * 1000},
                                    {"k", 1000},
                                    {"b", 1}};
  for (const Unit& u : kUnits) {
    if (ends(u.suffix)) {
      t.resize(t.size() - u.suffix.size());
      mul = u.mul;
      break;
    }
  }
  int64_t v = 0;
  if (!ParseInt(t, &v)) return false;
  if (v != 0 && (v > std::numeric_limits<int64_t>::max() / mul ||
                 v < std::numeric_limits<int64_t>::min() / mul)) {
    return false;
  }
  *out = v * mul;
  return true;
}

Config::Config() = default;

Config::Param& Config::Add(Param param) {
  std::string name = param.name;
  auto [it, inserted] = params_.insert_or_assign(name, std::move(param));
  return it->second;
}

Config::Param& Config::AddInt(std::string name, int64_t def, int64_t min, int64_t max,
                              std::atomic<int64_t>* target) {
  Param p;
  p.name = std::move(name);
  p.kind = Kind::kInt;
  p.value = std::to_string(def);
  p.min = min;
  p.max = max;
  if (target) {
    target->store(def);
    p.apply = [target](const std::string& v) { target->store(std::stoll(v)); };
  }
  return Add(std::move(p));
}

Config::Param& Config::AddMemory(std::string name, int64_t def, int64_t min, int64_t max,
                                 std::atomic<int64_t>* target) {
  Param& p = AddInt(std::move(name), def, min, max, target);
  p.kind = Kind::kMemory;
  return p;
}

Config::Param& Config::AddBool(std::string name, bool def, std::atomic<bool>* target) {
  Param p;
  p.name = std::move(name);
  p.kind = Kind::kBool;
  p.value = def ? "yes" : "no";
  if (target) {
    target->store(def);
    p.apply = [target](const std::string& v) { target->store(v == "yes"); };
  }
  return Add(std::move(p));
}

Config::Param& Config::AddString(std::string name, std::string def) {
  Param p;
  p.name = std::move(name);
  p.kind = Kind::kString;
  p.value = std::move(def);
  return Add(std::move(p));
}

Config::Param& Config::AddEnum(std::string name, std::string def,
                               std::vector<std::string> choices) {
  Param p;
  p.name = std::move(name);
  p.kind = Kind::kEnum;
  p.value = std::move(def);
  p.choices = std::move(choices);
  return Add(std::move(p));
}

void Config::AddAlias(std::string alias, std::string name) {
  aliases_.emplace(std::move(alias), std::move(name));
}

Config::Param* Config::Find(std::string_view name) {
  std::string lower = Lower(name);
  auto alias = aliases_.find(lower);
  if (alias != aliases_.end()) lower = alias->second;
  auto it = params_.find(lower);
  return it == params_.end() ? nullptr : &it->second;
}

std::string Config::Validate(Param& p, std::string_view text, std::string* canonical) {
  if (p.parse) return p.parse(text, canonical);
  switch (p.kind) {
    case Kind::kInt:
    case Kind::kMemory: {
      int64_t v = 0;
      bool ok = p.kind == Kind::kInt ? ParseInt(text, &v) : ParseMemory(text, &v);
      if (!ok) {
        return p.kind == Kind::kInt ? "argument couldn't be parsed into an integer"
                                    : "argument must be a memory value";
      }
      if (v < p.min || v > p.max) return RangeError(p.min, p.max);
      *canonical = std::to_string(v);
      return "";
    }
    case Kind::kBool: {
      std::string l = Lower(text);
      if (l != "yes" && l != "no") return "argument must be 'yes' or 'no'";
      *canonical = l;
      return "";
    }
    case Kind::kEnum: {
      std::string l = Lower(text);
      for (const std::string& c : p.choices) {
        if (c == l) {
          *canonical = l;
          return "";
        }
      }
      std::string msg = "argument(s) must be one of the following: ";
      for (size_t i = 0; i < p.choices.size(); ++i) {
        if (i) msg += ", ";
        msg += p.choices[i];
      }
      return msg;
    }
    case Kind::kString:
    case Kind::kSpecial:
      *canonical = std::string(text);
      return "";
  }
  return "";
}

std::string Config::ApplyDirective(const std::vector<std::string>& args, bool startup) {
  Param* p = Find(args[0]);
  if (p == nullptr || args.size() < 2) return "Bad directive or wrong number of arguments";
  // Multi-word directives (bind, save, client-output-buffer-limit) take their words joined,
  // the same text CONFIG SET accepts as one argument.
  std::string text = args[1];
  if (args.size() > 2) {
    if (p->kind != Kind::kSpecial) return "wrong number of arguments";
    for (size_t i = 2; i < args.size(); ++i) text += " " + args[i];
  }
  std::string canonical;
  std::string err = Validate(*p, text, &canonical);
  if (!err.empty()) return err;
  p->value = canonical;
  if (p->apply) p->apply(canonical);
  return "";
}

bool Config::LoadText(std::string_view text, std::string* error) {
  std::lock_guard<std::mutex> lock(mu_);
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) {
      line.remove_suffix(1);
    }
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) {
      line.remove_prefix(1);
    }
    if (line.empty() || line[0] == '#') {
      if (end == text.size()) break;
      continue;
    }
    protocol::CommandArgs parsed;
    std::string err;
    if (!protocol::SplitInlineArgs(line, &parsed)) {
      err = "Unbalanced quotes in configuration line";
    } else {
      std::vector<std::string> args;
      for (size_t i = 0; i < parsed.size(); ++i) args.emplace_back(parsed[i]);
      args[0] = Lower(args[0]);
      err = ApplyDirective(args, true);
    }
    if (!err.empty()) {
      *error =
          "\n*** FATAL CONFIG FILE ERROR (Tessera) ***\nReading the configuration file, at "
          "line " +
          std::to_string(line_no) + "\n>>> '" + std::string(line) + "'\n" + err;
      return false;
    }
    if (end == text.size()) break;
  }
  return true;
}

bool Config::LoadArgs(const std::vector<std::string>& args, std::string* error) {
  // "--port 7000 --save '' --bind a b" -> config lines, as redis-server builds them.
  std::string text;
  for (const std::string& a : args) {
    if (a.rfind("--", 0) == 0) {
      if (!text.empty()) text += "\n";
      text += a.substr(2);
    } else {
      text += " \"";
      for (char c : a) {
        if (c == '"' || c == '\\') text += '\\';
        text += c;
      }
      text += "\"";
    }
  }
  return LoadText(text, error);
}

std::string Config::Set(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<Param*, std::string>> staged;
  for (size_t i = 0; i < pairs.size(); ++i) {
    Param* p = Find(pairs[i].first);
    if (p == nullptr) {
      return "ERR Unknown option or number of arguments for CONFIG SET - '" + pairs[i].first + "'";
    }
    auto fail = [&](const std::string& why) {
      return "ERR CONFIG SET failed (possibly related to argument '" + pairs[i].first + "') - " +
             why;
    };
    for (auto& [q, v] : staged) {
      if (q == p) return fail("duplicate parameter");
    }
    if (p->immutable) return fail("can't set immutable config");
    std::string canonical;
    std::string err = Validate(*p, pairs[i].second, &canonical);
    if (!err.empty()) return fail(err);
    staged.emplace_back(p, std::move(canonical));
  }
  for (auto& [p, v] : staged) {
    p->value = v;
    if (p->apply) p->apply(v);
  }
  return "";
}

std::vector<std::pair<std::string, std::string>> Config::Get(
    const std::vector<std::string>& patterns) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [name, p] : params_) {
    for (const std::string& pat : patterns) {
      if (storage::GlobMatch(Lower(pat), name, /*nocase=*/true)) {
        out.emplace_back(name, p.value);
        break;
      }
    }
  }
  // An alias asked for by its exact name answers under that name, as Redis does.
  for (const std::string& pat : patterns) {
    auto alias = aliases_.find(Lower(pat));
    if (alias != aliases_.end()) {
      auto it = params_.find(alias->second);
      if (it != params_.end()) out.emplace_back(alias->first, it->second.value);
    }
  }
  return out;
}

std::string Config::Value(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  Param* p = Find(name);
  return p ? p->value : std::string();
}

int64_t Config::IntValue(std::string_view name) {
  std::string v = Value(name);
  int64_t out = 0;
  ParseInt(v, &out);
  return out;
}

}  // namespace tessera::server
