// Helpers for the monitoring-backend tests: a server with its own database and token, request
// shorthands, and JSON as the seed client's JSON.stringify would write it.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

namespace ew::test {

// One request (with Connection: close) to 127.0.0.1:port from the loopback address `source`, such
// as "127.0.0.2": the whole of 127/8 is loopback, so edgewatch sees another client address. An
// incomplete response (complete == false) when a step fails.
inline HttpResponse http_as_client(const std::string& source, int port, const std::string& method,
                                   const std::string& target,
                                   const std::vector<std::string>& headers = {},
                                   const std::string& body = "") {
  HttpResponse r;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
      bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    if (fd >= 0) close(fd);
    return r;
  }
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n";
  for (const std::string& h : headers) request += h + "\r\n";
  if (!body.empty()) request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += "Connection: close\r\n\r\n" + body;
  std::string data;
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(request.size())) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    char buf[16384];
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, remaining_ms(deadline)) <= 0) break;
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      data.append(buf, static_cast<std::size_t>(n));
    }
  }
  close(fd);
  const std::size_t end = data.find("\r\n\r\n");
  if (end == std::string::npos) return r;
  r = parse_response_head(data.substr(0, end));
  r.body = data.substr(end + 4);
  r.complete = true;
  return r;
}

inline constexpr const char* kToken = "test-admin-token-0123456789";
inline constexpr const char* kSentryKey = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

// The response body as JSON; a discarded value (is_discarded()) when it is not JSON.
inline nlohmann::json body_of(const HttpResponse& r) {
  return nlohmann::json::parse(r.body, nullptr, false);
}

// A running edgewatch with a fresh database in a temporary directory. `extra` is appended to the
// configuration file (whole TOML sections).
class Monitor {
 public:
  // `storage_extra` holds more [storage] keys, one per line.
  explicit Monitor(const std::string& extra = "", const std::string& storage_extra = "") {
    dir_ = make_temp_dir();
    storage_extra_ = storage_extra;
    config_ = dir_ + "/edgewatch.toml";
    write_file(config_, base_config() + extra);
    start();
  }
  ~Monitor() {
    server_.reset();
    if (owns_dir_) std::filesystem::remove_all(dir_);
  }

  // The environment names the database too: the harness otherwise points every server at a
  // fresh one, and a restart must find the same file.
  void start() {
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--config", config_},
        std::map<std::string, std::string>{{"EDGEWATCH_STORAGE_PATH", dir_ + "/monitoring.db"},
                                           {"EDGEWATCH_READINESS_DATA_DIR", dir_}});
  }
  void kill9() {
    server_->stop(SIGKILL, std::chrono::seconds(5));
    server_.reset();
  }
  int port() const { return server_->port(); }
  ServerProcess& server() { return *server_; }
  const std::string& dir() const { return dir_; }

  std::string base_config() const {
    return "[storage]\npath = \"" + dir_ + "/monitoring.db\"\n" + storage_extra_ +
           "[admin]\ntoken = \"" + kToken + "\"\n[[sentry.projects]]\nid = 42\npublic_key = \"" +
           kSentryKey + "\"\n";
  }

  HttpResponse post(const std::string& path, const std::string& body,
                    std::vector<std::string> headers = {"Content-Type: application/json"}) {
    return http(port(), "POST", path, headers, body);
  }
  HttpResponse api(const std::string& target) {
    return http(port(), "GET", target, {std::string("Authorization: Bearer ") + kToken});
  }
  nlohmann::json api_json(const std::string& target) {
    HttpResponse r = api(target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return nlohmann::json::parse(r.body, nullptr, false);
  }

 private:
  std::string dir_;
  std::string config_;
  std::string storage_extra_;
  bool owns_dir_ = true;
  std::unique_ptr<ServerProcess> server_;
};

// new Date().toISOString() at now + offset.
inline std::string iso_now(std::chrono::milliseconds offset = std::chrono::milliseconds(0)) {
  using namespace std::chrono;
  const auto now = system_clock::now() + offset;
  const std::time_t secs = system_clock::to_time_t(now);
  const long ms =
      static_cast<long>(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int, so the compiler sees no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return buf;
}

// JSON.stringify of a string value.
inline std::string js(const std::string& s) {
  return nlohmann::json(s).dump();
}

// btoa(s), for the seed's generateErrorFingerprint.
inline std::string btoa(const std::string& s) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(s[i]) << 16) |
                 (static_cast<unsigned char>(s[i + 1]) << 8) | static_cast<unsigned char>(s[i + 2]);
    for (int k = 3; k >= 0; --k) out.push_back(kAlphabet[(v >> (6 * k)) & 63]);
  }
  const std::size_t rest = s.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// The seed's generateErrorFingerprint(error).
inline std::string seed_fingerprint(const std::string& name, const std::string& message,
                                    const std::string& stack) {
  std::string line = "Unknown stack";
  const std::size_t nl = stack.find('\n');
  if (nl != std::string::npos) {
    const std::size_t end = stack.find('\n', nl + 1);
    std::string l = stack.substr(nl + 1, end == std::string::npos ? end : end - nl - 1);
    if (!l.empty()) line = l;
  }
  return btoa(name + "-" + (message.empty() ? "Unknown error" : message) + "-" + line)
      .substr(0, 32);
}

// The body sendToErrorEndpoint posts: {message, stack, context, userId, sessionId, timestamp,
// fingerprint}, undefined members left out as JSON.stringify does.
inline std::string seed_error_body(const std::string& message, const std::string& stack,
                                   const std::string& session, const std::string& fingerprint,
                                   const std::string& context_json = "",
                                   const std::string& user = "") {
  std::string body = "{\"message\":" + js(message) + ",\"stack\":" + js(stack);
  if (!context_json.empty()) body += ",\"context\":" + context_json;
  if (!user.empty()) body += ",\"userId\":" + js(user);
  body += ",\"sessionId\":" + js(session) + ",\"timestamp\":" + js(iso_now()) +
          ",\"fingerprint\":" + js(fingerprint) + "}";
  return body;
}

// The body sendToMetricsEndpoint posts for trackPerformanceMetric({name, value, unit, tags}).
inline std::string seed_metric_body(const std::string& name, double value,
                                    const std::string& tags_json_members,
                                    const std::string& session,
                                    const std::string& version = "1.4.0") {
  // JSON.stringify writes whole numbers without a fraction.
  const std::string number = value == static_cast<double>(static_cast<long long>(value))
                                 ? std::to_string(static_cast<long long>(value))
                                 : nlohmann::json(value).dump();
  return "{\"name\":" + js(name) + ",\"value\":" + number + ",\"unit\":\"ms\",\"tags\":{" +
         tags_json_members + (tags_json_members.empty() ? "" : ",") +
         "\"sessionId\":" + js(session) +
         ",\"userId\":\"anonymous\",\"environment\":\"production\",\"version\":" + js(version) +
         "},\"timestamp\":" + js(iso_now()) + "}";
}

}  // namespace ew::test
