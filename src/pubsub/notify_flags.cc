#include "src/pubsub/notify_flags.h"

#include "storage/change_event.h"

namespace tessera::pubsub {
namespace {

// Class letters in the order keyspaceEventsFlagsToString prints them.
struct ClassLetter {
  char letter;
  uint16_t bit;
};
constexpr ClassLetter kClassLetters[] = {
    {'g', storage::kEventGeneric}, {'$', storage::kEventString},  {'l', storage::kEventList},
    {'s', storage::kEventSet},     {'h', storage::kEventHash},    {'z', storage::kEventZSet},
    {'x', storage::kEventExpired}, {'e', storage::kEventEvicted}, {'t', storage::kEventStream},
};

constexpr uint16_t kAllClasses = storage::kEventGeneric | storage::kEventString |
                                 storage::kEventList | storage::kEventSet | storage::kEventHash |
                                 storage::kEventZSet | storage::kEventExpired |
                                 storage::kEventEvicted | storage::kEventStream;

}  // namespace

std::optional<NotifyFlags> ParseNotifyFlags(std::string_view text) {
  NotifyFlags f;
  for (char c : text) {
    switch (c) {
      case 'A':
        f.classes |= kAllClasses;
        f.module = true;
        break;
      case 'K':
        f.keyspace = true;
        break;
      case 'E':
        f.keyevent = true;
        break;
      case 'm':
        f.classes |= storage::kEventKeyMiss;
        break;
      case 'n':
        f.classes |= storage::kEventNew;
        break;
      case 'd':
        f.module = true;
        break;
      default: {
        bool known = false;
        for (const ClassLetter& cl : kClassLetters) {
          if (cl.letter == c) {
            f.classes |= cl.bit;
            known = true;
          }
        }
        if (!known) return std::nullopt;
      }
    }
  }
  return f;
}

std::string NotifyFlagsToString(const NotifyFlags& f) {
  std::string out;
  if ((f.classes & kAllClasses) == kAllClasses && f.module) {
    out.push_back('A');
  } else {
    for (const ClassLetter& cl : kClassLetters) {
      if (f.classes & cl.bit) out.push_back(cl.letter);
    }
    if (f.module) out.push_back('d');
  }
  if (f.keyspace) out.push_back('K');
  if (f.keyevent) out.push_back('E');
  if (f.classes & storage::kEventKeyMiss) out.push_back('m');
  return out;
}

}  // namespace tessera::pubsub
