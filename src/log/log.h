// Logging: an error log (spdlog, to stderr or a file) and an access log (one line per request
// to stdout, JSON or text, or off). The access log goes through spdlog's asynchronous logger
// so that a slow stdout never stalls a worker; when its queue is full the oldest lines are
// dropped and counted rather than blocking requests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ew::log {

enum class AccessFormat : std::uint8_t { kJson, kText, kOff };

struct Options {
  AccessFormat access = AccessFormat::kJson;
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  std::string error_log;       // file path; empty means stderr
};

// Replaces the default loggers; call once at startup (throws on an unwritable error_log).
void init(const Options& options);
// Flushes and stops the asynchronous logger; call before exit.
void shutdown();

struct AccessRecord {
  std::string_view request_id;
  std::string_view method;
  std::string_view path;
  int status = 0;
  std::uint64_t bytes = 0;
  std::uint64_t duration_us = 0;
  std::string_view client;
  std::string_view user_agent;
};

bool access_enabled();
void access(const AccessRecord& record);
// Access lines dropped because the queue was full.
std::uint64_t access_dropped();

// Formats one record; exposed for tests.
std::string format_access(const AccessRecord& record, AccessFormat format);

}  // namespace ew::log
