#include "log/log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

#include "util/json_text.h"

namespace ew::log {
namespace {

AccessFormat g_access_format = AccessFormat::kJson;
std::shared_ptr<spdlog::logger> g_access;

// Request paths and User-Agents are the client's bytes: escaped as JSON, with invalid UTF-8
// replaced by U+FFFD, so every line is valid UTF-8 (and valid JSON) for whatever reads it.
void append_escaped(std::string& out, std::string_view text) {
  append_json_escaped(out, text);
}

// RFC 3339 UTC with microseconds, cached per thread for the whole-second part.
void append_time(std::string& out) {
  auto now = std::chrono::system_clock::now();
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  thread_local std::time_t cached_second = -1;
  thread_local char cached[32];
  if (seconds != cached_second) {
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    std::strftime(cached, sizeof cached, "%Y-%m-%dT%H:%M:%S", &tm);
    cached_second = seconds;
  }
  out += cached;
  out += fmt::format(".{:06d}Z", micros % 1000000);
}

}  // namespace

void init(const Options& options) {
  std::shared_ptr<spdlog::logger> errors;
  if (options.error_log.empty()) {
    errors = std::make_shared<spdlog::logger>("edgewatch",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
  } else {
    errors = std::make_shared<spdlog::logger>(
        "edgewatch", std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.error_log));
  }
  errors->set_pattern("%Y-%m-%dT%H:%M:%S.%e [%l] %v");
  errors->set_level(spdlog::level::from_str(options.level));
  errors->flush_on(spdlog::level::info);
  spdlog::set_default_logger(errors);

  g_access_format = options.access;
  if (options.access == AccessFormat::kOff) return;
  spdlog::init_thread_pool(65536, 1);
  g_access = std::make_shared<spdlog::async_logger>(
      "access", std::make_shared<spdlog::sinks::stdout_sink_mt>(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::overrun_oldest);
  g_access->set_pattern("%v");
  g_access->flush_on(spdlog::level::info);
}

void shutdown() {
  if (g_access) g_access->flush();
  spdlog::default_logger()->flush();
  g_access.reset();
  spdlog::shutdown();
}

bool access_enabled() {
  return g_access != nullptr;
}

std::string format_access(const AccessRecord& r, AccessFormat format) {
  std::string line;
  line.reserve(256);
  if (format == AccessFormat::kText) {
    append_time(line);
    line += fmt::format(" {} {} ", r.client, r.method);
    append_escaped(line, r.path);
    line += fmt::format(" {} {} {}us id={} \"", r.status, r.bytes, r.duration_us, r.request_id);
    append_escaped(line, r.user_agent);
    line += '"';
    return line;
  }
  line += "{\"time\":\"";
  append_time(line);
  line += "\",\"request_id\":\"";
  append_escaped(line, r.request_id);
  line += "\",\"method\":\"";
  append_escaped(line, r.method);
  line += "\",\"path\":\"";
  append_escaped(line, r.path);
  line += fmt::format("\",\"status\":{},\"bytes\":{},\"duration_us\":{},\"client\":\"", r.status,
                      r.bytes, r.duration_us);
  append_escaped(line, r.client);
  line += "\",\"user_agent\":\"";
  append_escaped(line, r.user_agent);
  line += "\"}";
  return line;
}

void access(const AccessRecord& record) {
  if (!g_access) return;
  g_access->info(format_access(record, g_access_format));
}

std::uint64_t access_dropped() {
  auto pool = spdlog::thread_pool();
  return pool ? pool->overrun_counter() : 0;
}

}  // namespace ew::log
