#include "src/commands/auth_config.h"

#include <atomic>
#include <mutex>

namespace tessera::commands {
namespace {

struct State {
  std::mutex mu;
  std::string password;               // guarded by mu
  std::atomic<bool> required{false};  // mirrors !password.empty() for the lock-free check
};

State& GetState() {
  static State state;
  return state;
}

// Compares in time independent of where the first difference is, so a remote client cannot
// learn a password prefix from response timing (Redis compares SHA-256 digests for the same
// reason).
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  size_t n = a.size() > b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

}  // namespace

void AuthConfig::SetRequirePass(std::string_view password) {
  State& s = GetState();
  std::lock_guard<std::mutex> lock(s.mu);
  s.password.assign(password);
  s.required.store(!password.empty(), std::memory_order_release);
}

bool AuthConfig::PasswordRequired() { return GetState().required.load(std::memory_order_acquire); }

bool AuthConfig::CheckPassword(std::string_view password) {
  State& s = GetState();
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.password.empty()) return true;
  return ConstantTimeEquals(s.password, password);
}

}  // namespace tessera::commands
