#include "harness.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace ew::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Spawned {
  int pid;
  int out_fd;
  int err_fd;
};

// fork + exec with stdout and stderr on pipes and the given variables added to the environment.
Spawned spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    // Keep the test hermetic: the developer's own EDGEWATCH_* settings must not leak in.
    if (std::strncmp(*e, "EDGEWATCH_", 10) != 0) env_strings.emplace_back(*e);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  int pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    execvpe(argv[0], argv.data(), envp.data());  // a name is looked up in PATH
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  return {pid, out_pipe[0], err_pipe[0]};
}

std::vector<std::string> edgewatch_argv(const std::vector<std::string>& args) {
  std::vector<std::string> full{binary_path()};
  if (args.empty() || args.front().starts_with("-")) {
    full.insert(full.end(), {"serve", "--listen", "127.0.0.1:0"});
  }
  full.insert(full.end(), args.begin(), args.end());
  return full;
}

// Quiet by default; a test that reads the access log asks for it.
std::map<std::string, std::string> quiet_env(std::map<std::string, std::string> env) {
  if (!env.count("EDGEWATCH_LOG_ACCESS")) env["EDGEWATCH_LOG_ACCESS"] = "off";
  // Data files go to a directory of the running test, never into the working directory; servers
  // started by one test share it, so a restart finds what the first server stored.
  if (!env.count("EDGEWATCH_STORAGE_DATA_DIR")) {
    // A database path given without a data directory: the other data files go beside it.
    auto path = env.find("EDGEWATCH_STORAGE_PATH");
    if (path != env.end() && path->second.rfind('/') != std::string::npos) {
      env["EDGEWATCH_STORAGE_DATA_DIR"] = path->second.substr(0, path->second.rfind('/'));
    }
  }
  if (!env.count("EDGEWATCH_STORAGE_DATA_DIR")) {
    static std::map<std::string, std::string> dirs;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string test = info ? std::string(info->test_suite_name()) + "." + info->name() : "";
    auto [it, fresh] = dirs.try_emplace(test);
    if (fresh) it->second = make_temp_dir();
    const std::string& dir = it->second;
    env.try_emplace("EDGEWATCH_STORAGE_DATA_DIR", dir);  // readiness checks it too
  }
  return env;
}

std::vector<std::string> orchestrator_argv(const std::vector<std::string>& args) {
  std::vector<std::string> full{EW_ORCHESTRATOR, "--listen", "127.0.0.1:0"};
  full.insert(full.end(), args.begin(), args.end());
  return full;
}

}  // namespace

ReservedPort::ReservedPort() {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd_ < 0 || setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd_ >= 0) close(fd_);
    throw std::runtime_error(std::string("cannot reserve a loopback port: ") +
                             std::strerror(errno));
  }
  port_ = ntohs(addr.sin_port);
}

ReservedPort::~ReservedPort() {
  close(fd_);
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

std::string binary_path() {
  // EW_TEST_BINARY runs the suite against another build, e.g. to show a test fails without a fix.
  const char* other = std::getenv("EW_TEST_BINARY");
  return other && *other ? other : EW_BINARY;
}
std::string orchestrator_path() {
  return EW_ORCHESTRATOR;
}
std::string source_dir() {
  return EW_SOURCE_DIR;
}

std::string make_temp_dir() {
  std::string templ = "/tmp/ew-test-XXXXXX";
  if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  return templ;
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary);
  f << content;
  if (!f) throw std::runtime_error("cannot write " + path);
}

CommandResult run_edgewatch(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env,
                            std::chrono::milliseconds timeout) {
  std::vector<std::string> full{binary_path()};
  full.insert(full.end(), args.begin(), args.end());
  return run_command(full, env, timeout);
}

CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env,
                          std::chrono::milliseconds timeout) {
  Spawned child = spawn(argv, env);
  CommandResult result;
  auto deadline = Clock::now() + timeout;
  pollfd fds[2] = {{child.out_fd, POLLIN, 0}, {child.err_fd, POLLIN, 0}};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0 && Clock::now() < deadline) {
    if (poll(fds, 2, remaining_ms(deadline)) <= 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  if (open_fds > 0) kill(child.pid, SIGKILL);
  int status = 0;
  waitpid(child.pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

ChildProcess::ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env) {
  Spawned child = spawn(argv, env);
  pid_ = child.pid;
  out_fd_ = child.out_fd;
  err_fd_ = child.err_fd;
  reader_ = std::thread([this] { pump(); });
  if (auto port = wait_for_err_match("listening on http://[^ ]*:([0-9]+)", 15s)) {
    port_ = std::stoi(*port);
    return;
  }
  std::string text = err();
  stop(SIGKILL, 2s);
  reader_.join();  // the pipes close with the child
  std::string name = argv.front().substr(argv.front().rfind('/') + 1);
  throw std::runtime_error(name + " did not start; stderr:\n" + text);
}

std::optional<std::string> ChildProcess::wait_for_err_match(const std::string& pattern,
                                                            std::chrono::milliseconds timeout) {
  std::regex re(pattern);
  std::unique_lock lock(mutex_);
  std::optional<std::string> found;
  grew_.wait_for(lock, timeout, [&] {
    std::smatch m;
    if (std::regex_search(err_, m, re)) {
      found = m.size() > 1 ? m[1].str() : m[0].str();
      return true;
    }
    return pipes_closed_;  // the child is gone (or closed its output): nothing more will come
  });
  return found;
}

ServerProcess::ServerProcess(std::vector<std::string> args, std::map<std::string, std::string> env)
    : ChildProcess(edgewatch_argv(args), quiet_env(std::move(env))) {}

OrchestratorProcess::OrchestratorProcess(std::vector<std::string> args,
                                         std::map<std::string, std::string> env)
    : ChildProcess(orchestrator_argv(args), std::move(env)) {}

ChildProcess::~ChildProcess() {
  if (running()) stop(SIGKILL, 5s);
  if (reader_.joinable()) reader_.join();
}

void ChildProcess::pump() {
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  int open_fds = 2;
  char buf[8192];
  while (open_fds > 0) {
    if (poll(fds, 2, 200) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      {
        std::lock_guard lock(mutex_);
        (i == 0 ? out_ : err_).append(buf, static_cast<std::size_t>(n));
      }
      grew_.notify_all();
    }
  }
  {
    std::lock_guard lock(mutex_);
    pipes_closed_ = true;
  }
  grew_.notify_all();
}

void ChildProcess::signal(int sig) const {
  kill(pid_, sig);
}

bool ChildProcess::running() {
  if (status_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

int ChildProcess::stop(int sig, std::chrono::milliseconds timeout) {
  if (!running()) return *status_;
  kill(pid_, sig);
  if (wait_until([&] { return !running(); }, timeout, "the child to exit")) return *status_;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  status_ = -1;
  return -1;
}

std::string ChildProcess::out() const {
  std::lock_guard lock(mutex_);
  return out_;
}

std::string ChildProcess::err() const {
  std::lock_guard lock(mutex_);
  return err_;
}

bool ChildProcess::wait_for_err(const std::string& text, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return grew_.wait_for(lock, timeout, [&] { return err_.find(text) != std::string::npos; });
}

bool ChildProcess::wait_for_out(const std::string& text, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return grew_.wait_for(lock, timeout, [&] { return out_.find(text) != std::string::npos; });
}

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse parse_response_head(const std::string& head_text) {
  HttpResponse r;
  std::size_t line_end = head_text.find("\r\n");
  std::string status_line = head_text.substr(0, line_end);
  if (status_line.size() < 12) return r;
  r.status = std::stoi(status_line.substr(9, 3));
  std::size_t pos = line_end == std::string::npos ? head_text.size() : line_end + 2;
  while (pos < head_text.size()) {
    std::size_t next = head_text.find("\r\n", pos);
    if (next == std::string::npos) next = head_text.size();
    std::string line = head_text.substr(pos, next - pos);
    std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers.emplace(lower(line.substr(0, colon)), value);
    }
    pos = next + 2;
  }
  return r;
}

int connect_loopback(int port, const std::string& source) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (!source.empty()) {
    // The whole of 127/8 is loopback: binding another address there makes another client.
    sockaddr_in from{};
    from.sin_family = AF_INET;
    if (inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
        bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
      close(fd);
      return -1;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

Connection::Connection(int port, const std::string& source) : fd_(connect_loopback(port, source)) {}

Connection::~Connection() {
  if (fd_ >= 0) close(fd_);
}

bool Connection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool Connection::fill(Clock::time_point deadline) {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, remaining_ms(deadline)) <= 0) return false;
  char buf[16384];
  ssize_t n = recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return false;
  pending_.append(buf, static_cast<std::size_t>(n));
  return true;
}

HttpResponse Connection::read_response(bool head, std::chrono::milliseconds timeout) {
  HttpResponse r;
  auto deadline = Clock::now() + timeout;
  std::size_t end;
  while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(deadline)) return r;
  }
  r = parse_response_head(pending_.substr(0, end));
  pending_.erase(0, end + 4);
  if (r.status == 0) return r;
  bool no_body = head || r.status == 204 || r.status == 304 || r.status < 200;
  if (no_body) {
    r.complete = true;
    return r;
  }
  if (lower(r.header("transfer-encoding")) == "chunked") {
    for (;;) {
      std::size_t crlf;
      while ((crlf = pending_.find("\r\n")) == std::string::npos) {
        if (!fill(deadline)) return r;
      }
      std::size_t size = std::stoul(pending_.substr(0, crlf), nullptr, 16);
      while (pending_.size() < crlf + 2 + size + 2) {
        if (!fill(deadline)) return r;
      }
      r.body += pending_.substr(crlf + 2, size);
      pending_.erase(0, crlf + 2 + size + 2);
      if (size == 0) break;
    }
    r.complete = true;
    return r;
  }
  if (r.headers.count("content-length")) {
    std::size_t length = std::stoul(r.header("content-length"));
    while (pending_.size() < length) {
      if (!fill(deadline)) return r;
    }
    r.body = pending_.substr(0, length);
    pending_.erase(0, length);
    r.complete = true;
    return r;
  }
  while (fill(deadline)) {
  }
  r.body = std::move(pending_);
  pending_.clear();
  r.complete = true;
  return r;
}

bool Connection::closed_within(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  char buf[4096];
  while (Clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    int ready = poll(&p, 1, remaining_ms(deadline));
    if (ready <= 0) return false;
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return true;
    pending_.append(buf, static_cast<std::size_t>(n));
  }
  return false;
}

std::string Connection::read_all(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (fill(deadline)) {
  }
  std::string out = std::move(pending_);
  pending_.clear();
  return out;
}

long orchestrator_stat(int port, const std::string& name) {
  HttpResponse r = http(port, "GET", "/_stats");
  std::smatch m;
  if (!std::regex_search(r.body, m, std::regex("\"" + name + "\":(\\d+)"))) return -1;
  return std::stol(m[1]);
}

long wait_for_orchestrator_stat(int port, const std::string& name, long want,
                                std::chrono::milliseconds timeout) {
  long value = -1;
  (void)wait_until([&] { return (value = orchestrator_stat(port, name)) == want; }, timeout,
                   name + " == " + std::to_string(want));
  return value;
}

namespace {

// The one-letter states of every thread of `pid` (from /proc/PID/task/*/stat).
std::string thread_states(int pid) {
  std::string states;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream f(task.path() / "stat");
    std::string line;
    std::getline(f, line);
    std::size_t paren = line.rfind(')');  // the command name may hold spaces
    if (paren != std::string::npos && paren + 2 < line.size()) states += line[paren + 2];
  }
  return states;
}

}  // namespace

bool process_idle(int pid) {
  std::string states = thread_states(pid);
  return !states.empty() && states.find_first_not_of("SI") == std::string::npos;
}

bool process_stopped(int pid) {
  std::string states = thread_states(pid);
  return !states.empty() && states.find_first_not_of("Tt") == std::string::npos;
}

std::optional<ServerSideSocket> server_side_socket(int client_fd) {
  sockaddr_in local{};
  sockaddr_in peer{};
  socklen_t len = sizeof local;
  if (getsockname(client_fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) return std::nullopt;
  len = sizeof peer;
  if (getpeername(client_fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return std::nullopt;
  // /proc/net/tcp: "sl local_address rem_address st tx_queue:rx_queue ...", addresses as
  // hexadecimal IPv4 (in memory order) and port. The server's end is local = our peer.
  auto address = [](const sockaddr_in& a) {
    char text[32];
    std::snprintf(text, sizeof text, "%08X:%04X", a.sin_addr.s_addr, ntohs(a.sin_port));
    return std::string(text);
  };
  std::string server_end = address(peer);
  std::string client_end = address(local);
  std::ifstream f("/proc/net/tcp");
  std::string line;
  std::getline(f, line);  // the column names
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string slot, from, to, state, queues;
    in >> slot >> from >> to >> state >> queues;
    if (from != server_end || to != client_end) continue;
    ServerSideSocket s;
    s.fin_received = state == "08";  // TCP_CLOSE_WAIT
    s.unsent = std::stoul(queues.substr(0, queues.find(':')), nullptr, 16);
    // rx_queue counts up to the next sequence number expected, which is one past a FIN.
    s.unread = std::stoul(queues.substr(queues.find(':') + 1), nullptr, 16);
    if (s.fin_received && s.unread > 0) --s.unread;
    return s;
  }
  return std::nullopt;
}

::testing::AssertionResult wait_until_sends_stall(int client_fd,
                                                  std::chrono::milliseconds timeout) {
  std::pair<std::size_t, std::size_t> last{0, 0};
  auto since = Clock::now();
  return wait_until(
      [&] {
        int unread = 0;
        auto server = server_side_socket(client_fd);
        if (ioctl(client_fd, FIONREAD, &unread) != 0 || !server) return false;
        std::pair<std::size_t, std::size_t> now{static_cast<std::size_t>(unread), server->unsent};
        if (now != last) {
          last = now;
          since = Clock::now();
          return false;
        }
        return now.first > 0 && now.second > 0 && Clock::now() - since >= 50ms;
      },
      timeout, "the server's sends to stall on a full connection");
}

int open_sockets(int pid) {
  int sockets = 0;
  std::error_code ec;
  for (const auto& fd :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code link_ec;
    auto target = std::filesystem::read_symlink(fd.path(), link_ec);
    if (!link_ec && target.string().starts_with("socket:")) ++sockets;
  }
  return sockets;
}

bool send_with_fin_in_one_event(const ServerProcess& server, Connection& c,
                                const std::string& bytes) {
  if (!c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n") || c.read_response().status != 200) {
    return false;
  }
  auto step = [](::testing::AssertionResult done) {
    if (!done) ADD_FAILURE() << done.message();
    return static_cast<bool>(done);
  };
  // The server now waits for this connection's next bytes: all its threads sleep.
  if (!step(wait_until([&] { return process_idle(server.pid()); }, 5s, "the server to idle"))) {
    return false;
  }
  server.signal(SIGSTOP);
  bool sent =
      step(wait_until([&] { return process_stopped(server.pid()); }, 5s, "the server to stop")) &&
      c.send(bytes) && ::shutdown(c.fd(), SHUT_WR) == 0 &&
      step(wait_until(
          [&] {
            auto s = server_side_socket(c.fd());
            return s && s->fin_received && s->unread == bytes.size();
          },
          5s, "the bytes and the FIN to be queued at the server"));
  server.signal(SIGCONT);
  return sent;
}

HttpResponse http(int port, const std::string& method, const std::string& target,
                  const std::vector<std::string>& headers, const std::string& body) {
  Connection c(port);
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n";
  for (const auto& h : headers) request += h + "\r\n";
  if (!body.empty()) request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n" + body;
  c.send(request);
  return c.read_response(method == "HEAD");
}

}  // namespace ew::test
