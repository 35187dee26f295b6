// Test harness: starts the real build/edgewatch (and the example orchestrator, the streaming
// upstream) as child processes on ephemeral loopback ports and talks to them over real sockets.
// Nothing here stands in for the server.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../common/wait.h"

namespace ew::test {

using namespace std::chrono_literals;

// A loopback port held for the whole test, for a child that must listen at an address fixed in
// advance (an upstream that a test stops and starts again, Prometheus). The port is bound here
// with SO_REUSEADDR and never listened on: the kernel gives it to no one else (no other bind, no
// ephemeral port), while a child that binds it with SO_REUSEADDR too (the orchestrator does, and
// Go does on every listener) can listen on it, exit and listen on it again. While no child
// listens, connections to it are refused. Everything else takes port 0 from the kernel and reads
// the port back from the child's "listening on" line.
class ReservedPort {
 public:
  ReservedPort();
  ~ReservedPort();
  ReservedPort(const ReservedPort&) = delete;
  ReservedPort& operator=(const ReservedPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Milliseconds left until `deadline` (never negative), as poll(2) takes them.
int remaining_ms(std::chrono::steady_clock::time_point deadline);

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs build/edgewatch with args to completion (e.g. check-config, version).
CommandResult run_edgewatch(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env = {},
                            std::chrono::milliseconds timeout = 30s);

// Runs any program (argv[0] a path, or a name looked up in PATH) to completion.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          std::chrono::milliseconds timeout = 30s);

// A child process: argv[0] is the binary's path, env is added to the environment (minus the
// developer's own EDGEWATCH_* variables), stdout and stderr are captured. The constructor waits
// until stderr says "listening on http://HOST:PORT" and takes the port from there; it throws
// std::runtime_error when that does not happen. The destructor kills what is still running.
class ChildProcess {
 public:
  explicit ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  int port() const { return port_; }
  int pid() const { return pid_; }
  void signal(int sig) const;
  // Sends sig and waits up to timeout; returns the exit status, or -1 on timeout (then kills).
  int stop(int sig, std::chrono::milliseconds timeout = 10s);
  bool running();
  std::string out() const;
  std::string err() const;
  // Waits until stderr (stdout) contains text; false on timeout.
  bool wait_for_err(const std::string& text, std::chrono::milliseconds timeout = 5s) const;
  bool wait_for_out(const std::string& text, std::chrono::milliseconds timeout = 5s) const;

 private:
  void pump();
  // Waits until stderr matches `pattern` (ECMAScript); the first submatch, or nullopt when the
  // child ended first or the timeout passed.
  std::optional<std::string> wait_for_err_match(const std::string& pattern,
                                                std::chrono::milliseconds timeout);
  int pid_ = -1;
  int port_ = 0;
  int out_fd_ = -1;
  int err_fd_ = -1;
  std::optional<int> status_;
  mutable std::mutex mutex_;
  mutable std::condition_variable grew_;  // the output grew, or the pipes closed
  bool pipes_closed_ = false;
  std::string out_;
  std::string err_;
  std::thread reader_;
};

class ServerProcess : public ChildProcess {
 public:
  // Starts `edgewatch serve --listen 127.0.0.1:0 <args>` (or `args` verbatim when the first is
  // not a flag) and waits until it logs its address. Throws std::runtime_error on failure.
  explicit ServerProcess(std::vector<std::string> args,
                         std::map<std::string, std::string> env = {});
};

// The example orchestrator (examples/orchestrator), a streaming-chat upstream.
class OrchestratorProcess : public ChildProcess {
 public:
  // Starts `orchestrator --listen 127.0.0.1:0 <args>`, e.g. {"--token-delay", "20ms"}.
  explicit OrchestratorProcess(std::vector<std::string> args = {},
                               std::map<std::string, std::string> env = {});
};

struct HttpResponse {
  bool complete = false;  // a whole response was read
  int status = 0;
  std::multimap<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& lower_name) const;
  std::size_t count(const std::string& lower_name) const { return headers.count(lower_name); }
};

// A TCP connection to 127.0.0.1:port with TCP_NODELAY, from `source` (another loopback
// address such as 127.0.0.2, to act as another client) when given; -1 on failure. The caller
// closes it.
int connect_loopback(int port, const std::string& source = "");

// Parses a response head (status line and header lines, without the blank line).
HttpResponse parse_response_head(const std::string& head_text);

// One client connection over loopback.
class Connection {
 public:
  explicit Connection(int port, const std::string& source = "");
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(const std::string& bytes);
  // Reads one response; for HEAD requests pass head=true (no body despite Content-Length).
  HttpResponse read_response(bool head = false, std::chrono::milliseconds timeout = 5s);
  // True when the server closes the connection (EOF or reset) within timeout.
  bool closed_within(std::chrono::milliseconds timeout);
  // Reads whatever arrives until the peer closes or timeout.
  std::string read_all(std::chrono::milliseconds timeout = 5s);
  int fd() const { return fd_; }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string pending_;
};

// Sends one request on a fresh connection and reads the response.
HttpResponse http(int port, const std::string& method, const std::string& target,
                  const std::vector<std::string>& headers = {}, const std::string& body = "");

// A number from the orchestrator's /_stats on `port`, or -1.
long orchestrator_stat(int port, const std::string& name);
// Polls it until it equals `want` or `timeout` passes; the last value seen.
long wait_for_orchestrator_stat(int port, const std::string& name, long want,
                                std::chrono::milliseconds timeout = 3s);

// True when every thread of process `pid` sleeps (none runnable): it has done what it was given
// and waits for something new.
bool process_idle(int pid);
// True when every thread of process `pid` is stopped (SIGSTOP has taken effect).
bool process_stopped(int pid);

// The server's end of the loopback connection whose client end is `client_fd`, as the kernel
// reports it in /proc/net/tcp: bytes queued for the server to read and whether the client's FIN
// arrived (CLOSE_WAIT). nullopt when not found.
struct ServerSideSocket {
  std::size_t unread = 0;  // received, not yet read by the server
  std::size_t unsent = 0;  // written by the server, not yet acknowledged by the client
  bool fin_received = false;
};
std::optional<ServerSideSocket> server_side_socket(int client_fd);

// Waits until the server's sends on this connection have stopped part-way for want of room: the
// client has bytes it has not read, the server's end holds bytes not yet taken, and neither has
// changed for 50 ms (on loopback, a sender with room moves gigabytes in that time).
::testing::AssertionResult wait_until_sends_stall(int client_fd,
                                                  std::chrono::milliseconds timeout = 10s);

// How many sockets process `pid` has open.
int open_sockets(int pid);

// Makes `bytes` and the client's FIN reach the server in one epoll event, on a connection the
// server already waits on (it first answers a GET /health there and is idle after): both are sent
// while the server is stopped with SIGSTOP, and it is let go once the kernel shows both queued on
// its end. Such a FIN raises no event of its own. False when a step failed.
bool send_with_fin_in_one_event(const ServerProcess& server, Connection& c,
                                const std::string& bytes);

std::string binary_path();
std::string orchestrator_path();
std::string source_dir();
// A fresh temporary directory, removed by the caller if it cares.
std::string make_temp_dir();
void write_file(const std::string& path, const std::string& content);

}  // namespace ew::test
