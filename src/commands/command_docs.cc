#include "src/commands/command_docs.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

namespace tessera::commands {
namespace {

// A parsed JSON value. Strings point into the generated data, which is static.
struct Node {
  enum class Kind : uint8_t { kString, kInt, kArray, kObject } kind = Kind::kString;
  std::string_view text;
  int64_t number = 0;
  std::vector<std::string_view> keys;  // kObject: keys[i] names items[i]
  std::vector<Node> items;
};

// A parser for the generated data only: objects, arrays, integers and strings without escapes
// (the generator asserts there are none). Malformed data is a build-time bug, so it aborts.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Node Parse() {
    Node n = Value();
    if (pos_ != text_.size()) Fail();
    return n;
  }

 private:
  [[noreturn]] void Fail() { std::abort(); }
  char Peek() { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void Expect(char c) {
    if (Peek() != c) Fail();
    ++pos_;
  }

  std::string_view String() {
    Expect('"');
    size_t end = text_.find('"', pos_);
    if (end == std::string_view::npos) Fail();
    std::string_view s = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }

  Node Value() {
    Node n;
    char c = Peek();
    if (c == '"') {
      n.text = String();
    } else if (c == '[') {
      n.kind = Node::Kind::kArray;
      ++pos_;
      while (Peek() != ']') {
        n.items.push_back(Value());
        if (Peek() == ',') ++pos_;
      }
      ++pos_;
    } else if (c == '{') {
      n.kind = Node::Kind::kObject;
      ++pos_;
      while (Peek() != '}') {
        n.keys.push_back(String());
        Expect(':');
        n.items.push_back(Value());
        if (Peek() == ',') ++pos_;
      }
      ++pos_;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      n.kind = Node::Kind::kInt;
      size_t start = pos_++;
      while (Peek() >= '0' && Peek() <= '9') ++pos_;
      n.number = std::strtoll(std::string(text_.substr(start, pos_ - start)).c_str(), nullptr, 10);
    } else {
      Fail();
    }
    return n;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

const std::unordered_map<std::string_view, Node>& Table() {
  static const auto* table = [] {
    auto* t = new std::unordered_map<std::string_view, Node>();
    for (size_t i = 0; i < kCommandDocsCount; ++i) {
      t->emplace(kCommandDocs[i].name, Parser(kCommandDocs[i].json).Parse());
    }
    return t;
  }();
  return *table;
}

// Redis's encodings: flag lists are sets of status strings, history a set of [version, text]
// pairs, argument lists arrays of maps; every other string is a bulk string.
void Emit(protocol::ReplyBuilder& reply, const Node& n, std::string_view key) {
  bool flags = key == "flags" || key == "doc_flags";
  switch (n.kind) {
    case Node::Kind::kString:
      if (flags) {
        reply.SimpleString(n.text);
      } else {
        reply.Bulk(n.text);
      }
      break;
    case Node::Kind::kInt:
      reply.Integer(n.number);
      break;
    case Node::Kind::kArray:
      if (flags || key == "history") {
        reply.Set(n.items.size());
      } else {
        reply.Array(n.items.size());
      }
      for (const Node& item : n.items) Emit(reply, item, flags ? key : std::string_view());
      break;
    case Node::Kind::kObject:
      reply.Map(n.items.size());
      for (size_t i = 0; i < n.items.size(); ++i) {
        reply.Bulk(n.keys[i]);
        Emit(reply, n.items[i], n.keys[i]);
      }
      break;
  }
}

}  // namespace

size_t DocsExtraFieldCount(std::string_view fullname) {
  auto it = Table().find(fullname);
  return it == Table().end() ? 0 : it->second.items.size();
}

void ReplyDocsExtraFields(protocol::ReplyBuilder& reply, std::string_view fullname) {
  auto it = Table().find(fullname);
  if (it == Table().end()) return;
  const Node& doc = it->second;
  for (size_t i = 0; i < doc.items.size(); ++i) {
    reply.Bulk(doc.keys[i]);
    Emit(reply, doc.items[i], doc.keys[i]);
  }
}

}  // namespace tessera::commands
