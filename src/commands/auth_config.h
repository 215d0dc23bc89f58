// The default user's password (`requirepass`), shared by every loop.
//
// The server sets it at startup and on CONFIG SET requirepass; AUTH, HELLO AUTH and RESET read
// it. Redis 7.0 keeps it as the default user's ACL password: with none set the default user is
// "nopass" (any password is accepted by the two-argument AUTH, and new connections start
// authenticated). Thread-safe: any thread may call anything here.
#pragma once

#include <string>
#include <string_view>

namespace tessera::commands {

class AuthConfig {
 public:
  // "" means no password (the default user is nopass).
  static void SetRequirePass(std::string_view password);
  static bool PasswordRequired();
  // Whether `password` is the default user's password. Always true when none is required,
  // as Redis accepts any password for a nopass user.
  static bool CheckPassword(std::string_view password);
};

}  // namespace tessera::commands
