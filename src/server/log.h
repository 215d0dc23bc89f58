// Redis-style log lines: "pid:M 23 Nov 2026 23:08:45.123 * message". Any thread.
#pragma once

#include <string>
#include <string_view>

namespace tessera::server {

enum class LogLevel { kDebug, kVerbose, kNotice, kWarning };

void SetLogLevel(LogLevel level);
bool SetLogLevelByName(std::string_view name);
// Empty path logs to stdout. Returns false if the file cannot be opened.
bool SetLogFile(const std::string& path);
void Log(LogLevel level, std::string_view message);

}  // namespace tessera::server
