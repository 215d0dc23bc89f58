// One parsed client command: every argument's bytes in one contiguous buffer plus end offsets.
//
// Movable and owned by value, so a command can cross threads (a hop) with one move and no
// per-argument allocation. Views returned by operator[] stay valid until the object is mutated,
// moved from or destroyed. Not thread-safe; owned by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::protocol {

class CommandArgs {
 public:
  CommandArgs() = default;
  CommandArgs(std::initializer_list<std::string_view> args);

  CommandArgs(CommandArgs&&) noexcept = default;
  CommandArgs& operator=(CommandArgs&&) noexcept = default;
  CommandArgs(const CommandArgs&) = default;
  CommandArgs& operator=(const CommandArgs&) = default;

  size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }

  std::string_view operator[](size_t i) const {
    size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(buf_.data() + begin, ends_[i] - begin);
  }

  // Total bytes of argument data (what a command costs in memory while queued).
  size_t bytes() const { return buf_.size(); }
  // Heap bytes held, used or not (Clear keeps them): what keeping a cleared object costs.
  size_t capacity_bytes() const { return buf_.capacity() + ends_.capacity() * sizeof(size_t); }

  void Clear() {
    buf_.clear();
    ends_.clear();
  }
  void Reserve(size_t argc, size_t bytes) {
    ends_.reserve(argc);
    buf_.reserve(bytes);
  }
  void Append(std::string_view arg) {
    buf_.append(arg);
    ends_.push_back(buf_.size());
  }
  // Starts an argument of `n` bytes filled in later through the returned pointer, which stays
  // valid until the next Append/StartArg/OpenArg/AppendToLastArg.
  char* StartArg(size_t n) {
    size_t old = buf_.size();
    buf_.resize(old + n);
    ends_.push_back(buf_.size());
    return buf_.data() + old;
  }

  // Opens an empty last argument that grows through AppendToLastArg. Used for big bulks that
  // arrive in pieces, so memory is committed as bytes arrive rather than at the announced length.
  void OpenArg() { ends_.push_back(buf_.size()); }
  void AppendToLastArg(std::string_view bytes) {
    buf_.append(bytes);
    ends_.back() = buf_.size();
  }

  std::vector<std::string_view> ToVector() const;

  friend void swap(CommandArgs& a, CommandArgs& b) noexcept {
    a.buf_.swap(b.buf_);
    a.ends_.swap(b.ends_);
  }

 private:
  std::string buf_;
  std::vector<size_t> ends_;
};

}  // namespace tessera::protocol
