// Helpers shared by the storage unit tests.
#pragma once

#include <string>
#include <vector>

#include "storage/change_event.h"
#include "storage/db_table.h"

namespace tessera::storage::testing {

// A recorder that keeps every event class.
inline ChangeRecorder MakeKeepAllRecorder() {
  ChangeRecorder r;
  r.set_keep_mask(0xffff);
  return r;
}

// "name:key" for every recorded event, in order.
inline std::vector<std::string> EventStrings(const ChangeRecorder& r) {
  std::vector<std::string> out;
  for (const ChangeEvent& e : r.events()) out.push_back(std::string(e.name) + ":" + e.key);
  return out;
}

// Events, then clears them.
inline std::vector<std::string> TakeEvents(ChangeRecorder& r) {
  std::vector<std::string> out = EventStrings(r);
  r.Clear();
  return out;
}

inline std::string StringOf(const Entry* e) { return e == nullptr ? "<null>" : e->StringCopy(); }

}  // namespace tessera::storage::testing
