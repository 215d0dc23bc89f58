#include "protocol/command_args.h"

namespace tessera::protocol {

CommandArgs::CommandArgs(std::initializer_list<std::string_view> args) {
  size_t bytes = 0;
  for (std::string_view a : args) bytes += a.size();
  Reserve(args.size(), bytes);
  for (std::string_view a : args) Append(a);
}

std::vector<std::string_view> CommandArgs::ToVector() const {
  std::vector<std::string_view> v;
  v.reserve(size());
  for (size_t i = 0; i < size(); ++i) v.push_back((*this)[i]);
  return v;
}

}  // namespace tessera::protocol
