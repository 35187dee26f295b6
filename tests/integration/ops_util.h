// Helpers for the operations tests (metrics, readiness, alerts, deployments, /config.json): a
// server with its own data directory and admin token, an orchestrator on a port of our choice
// (so it can be killed and brought back) and scraping.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <regex>
#include <string>

#include "harness.h"

namespace ew::test {

inline constexpr const char* kOpsToken = "ops-admin-token-0123456789";

inline std::string bearer() {
  return std::string("Authorization: Bearer ") + kOpsToken;
}

// The example orchestrator on a port the test holds (a ReservedPort), so that the test can stop
// it and start it again at the same address.
inline std::unique_ptr<ChildProcess> orchestrator_at(int port) {
  return std::make_unique<ChildProcess>(std::vector<std::string>{
      orchestrator_path(), "--listen", "127.0.0.1:" + std::to_string(port)});
}

// edgewatch with a fresh data directory ([storage] path inside it) and an admin token; `extra`
// is appended to the configuration file.
class OpsServer {
 public:
  explicit OpsServer(const std::string& extra = "", std::map<std::string, std::string> env = {})
      : dir_(make_temp_dir()), config_(dir_ + "/edgewatch.toml"), env_(std::move(env)) {
    // The harness gives each start a fresh data directory unless told otherwise; these servers
    // keep theirs across restarts.
    env_.try_emplace("EDGEWATCH_STORAGE_PATH", dir_ + "/monitoring.db");
    env_.try_emplace("EDGEWATCH_READINESS_DATA_DIR", dir_);
    write_file(config_, base() + extra);
    start();
  }
  ~OpsServer() {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void start() {
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--config", config_}, env_);
  }
  // A graceful stop (SIGTERM), so that the server flushes what it keeps.
  void stop() {
    server_->stop(SIGTERM, std::chrono::seconds(10));
    server_.reset();
  }
  void rewrite(const std::string& extra) { write_file(config_, base() + extra); }

  int port() const { return server_->port(); }
  ServerProcess& process() { return *server_; }
  const std::string& dir() const { return dir_; }
  const std::string& config() const { return config_; }

  HttpResponse get(const std::string& target, std::vector<std::string> headers = {}) {
    return http(port(), "GET", target, headers);
  }

 private:
  std::string base() const {
    return "[server]\nworkers = 2\n[log]\naccess = \"off\"\n[storage]\npath = \"" + dir_ +
           "/monitoring.db\"\n[admin]\ntoken = \"" + kOpsToken + "\"\n";
  }

  std::string dir_;
  std::string config_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<ServerProcess> server_;
};

// The value of one sample, e.g. `edgewatch_http_requests_total{route="/api/",code="2xx"}`;
// -1 when absent.
inline double sample_value(const std::string& exposition, const std::string& series) {
  std::size_t at = 0;
  while ((at = exposition.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || exposition[at - 1] == '\n') {
      return std::stod(exposition.substr(at + series.size() + 1));
    }
    ++at;
  }
  return -1;
}

// Runs promtool's linter on an exposition; returns its output, empty when it passed.
inline std::string promtool_problems(const std::string& exposition) {
  std::string dir = make_temp_dir();
  write_file(dir + "/metrics.txt", exposition);
  std::string out = dir + "/promtool.out";
  int rc = std::system(
      ("/usr/bin/promtool check metrics < " + dir + "/metrics.txt > " + out + " 2>&1").c_str());
  std::string text;
  if (FILE* f = std::fopen(out.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  std::filesystem::remove_all(dir);
  if (rc != 0 && text.empty()) text = "promtool exited with " + std::to_string(rc);
  return rc == 0 ? std::string() : text;
}

}  // namespace ew::test
