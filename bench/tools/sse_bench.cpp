// Server-Sent Events token latency for bench/run. The example orchestrator stamps every token
// with "t", the CLOCK_MONOTONIC microsecond at which it wrote it; this client, on the same
// machine, subtracts that from its own clock when the event is complete: the token's one-way
// latency through whatever sits in between. All targets stream at once, in the same rounds, so
// they share the machine's conditions and the client's own delay cancels out of a difference.
//
//   sse_bench STREAMS TOKENS DELAY_MS ROUNDS NAME=[https://]HOST:PORT/PATH...
// Prints one line per target: "NAME p50_us=... p99_us=... max_us=... tokens=...".
// An https:// target is reached over TLS (SNI "localhost" for an address, the certificate not
// verified, as wrk does not); the handshake happens before the request, so it is not in the
// tokens' latency, only the per-record encryption and decryption are.

// Boost 1.74's asio/awaitable.hpp needs <utility> first with g++ 12.
#include <utility>

#include <time.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

struct Target {
  std::string name, host, port, path;
  bool tls = false;
  std::vector<std::int64_t> latencies;
};

std::int64_t monotonic_us() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

// Undoes chunked framing as bytes arrive; passes bytes through when the body is not chunked.
class Dechunker {
 public:
  explicit Dechunker(bool chunked) : chunked_(chunked) {}
  // Appends the body bytes in `in` to `out`; false when the last chunk has arrived.
  bool feed(std::string_view in, std::string& out) {
    if (!chunked_) {
      out.append(in);
      return true;
    }
    pending_.append(in);
    for (;;) {
      if (left_ == 0) {
        std::size_t eol = pending_.find("\r\n", skip_crlf_ ? 2 : 0);
        if (eol == std::string::npos) return true;
        std::size_t from = skip_crlf_ ? 2 : 0;
        std::size_t size = 0;
        std::from_chars(pending_.data() + from, pending_.data() + eol, size, 16);
        pending_.erase(0, eol + 2);
        skip_crlf_ = true;
        if (size == 0) return false;
        left_ = size;
      }
      if (pending_.empty()) return true;
      std::size_t n = std::min(left_, pending_.size());
      out.append(pending_, 0, n);
      pending_.erase(0, n);
      left_ -= n;
    }
  }

 private:
  bool chunked_;
  bool skip_crlf_ = false;  // the CRLF that ends a chunk's data comes before the next size
  std::size_t left_ = 0;
  std::string pending_;
};

// Records the latency of every complete event in `events`, leaving an incomplete tail.
void take_events(std::string& events, std::int64_t now, std::vector<std::int64_t>& out) {
  std::size_t end;
  while ((end = events.find("\n\n")) != std::string::npos) {
    std::string_view event(events.data(), end);
    std::size_t at = event.find("\"t\":");
    if (at != std::string_view::npos) {
      std::int64_t sent = 0;
      const char* first = event.data() + at + 4;
      if (std::from_chars(first, event.data() + event.size(), sent).ec == std::errc()) {
        out.push_back(now - sent);
      }
    }
    events.erase(0, end + 2);
  }
}

// Reads one SSE answer from `socket` (a tcp::socket, or an ssl::stream after its handshake).
template <typename Stream>
net::awaitable<void> read_events(Stream& socket, Target& target, int tokens, int delay_ms) {
  boost::system::error_code ec;
  auto token = net::redirect_error(net::use_awaitable, ec);
  std::string body = R"({"message":"latency"})";
  std::string request =
      "POST " + target.path + "?tokens=" + std::to_string(tokens) +
      "&delay_ms=" + std::to_string(delay_ms) + " HTTP/1.1\r\nHost: " + target.host +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  co_await net::async_write(socket, net::buffer(request), token);
  std::string head, events;
  std::optional<Dechunker> dechunker;
  char buf[16384];
  for (;;) {
    std::size_t n = co_await socket.async_read_some(net::buffer(buf), token);
    if (ec) break;
    std::int64_t now = monotonic_us();
    std::string_view data(buf, n);
    if (!dechunker) {
      head.append(data);
      std::size_t end = head.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      std::string lower = head.substr(0, end);
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      dechunker.emplace(lower.find("transfer-encoding: chunked") != std::string::npos);
      data = std::string_view(head).substr(end + 4);
      std::string rest(data);
      head.clear();
      bool more = dechunker->feed(rest, events);
      take_events(events, now, target.latencies);
      if (!more) break;
      continue;
    }
    bool more = dechunker->feed(data, events);
    take_events(events, now, target.latencies);
    if (!more) break;
  }
}

// Every stream of a round connects (and does its TLS handshake) first and sends its request
// only when all have: the client's handshake work would otherwise delay the tokens of streams
// already running, the direct baseline's among them.
struct Gate {
  explicit Gate(net::io_context& ioc, int count) : waiting(count), timer(ioc) {
    timer.expires_at(net::steady_timer::time_point::max());
  }
  int waiting;
  net::steady_timer timer;
};

net::awaitable<void> arrive(Gate& gate) {
  if (--gate.waiting == 0) {
    gate.timer.cancel();
    co_return;
  }
  boost::system::error_code ec;
  co_await gate.timer.async_wait(net::redirect_error(net::use_awaitable, ec));
}

net::awaitable<void> stream(Target& target, int tokens, int delay_ms, net::ssl::context& tls,
                            Gate& gate) {
  auto executor = co_await net::this_coro::executor;
  boost::system::error_code ec;
  auto token = net::redirect_error(net::use_awaitable, ec);
  tcp::resolver resolver(executor);
  auto endpoints = co_await resolver.async_resolve(target.host, target.port, token);
  tcp::socket socket(executor);
  if (!ec) co_await net::async_connect(socket, endpoints, token);
  if (ec) {
    co_await arrive(gate);
    co_return;
  }
  socket.set_option(tcp::no_delay(true), ec);
  if (!target.tls) {
    co_await arrive(gate);
    co_await read_events(socket, target, tokens, delay_ms);
    co_return;
  }
  net::ssl::stream<tcp::socket> secure(std::move(socket), tls);
  boost::system::error_code parse_error;
  net::ip::make_address(target.host, parse_error);
  const std::string sni = parse_error ? target.host : std::string("localhost");
  SSL_set_tlsext_host_name(secure.native_handle(), sni.c_str());
  co_await secure.async_handshake(net::ssl::stream_base::client, token);
  co_await arrive(gate);
  if (ec) co_return;
  co_await read_events(secure, target, tokens, delay_ms);
}

bool parse_target(std::string_view spec, Target& t) {
  constexpr std::string_view kHttps = "https://";
  if (std::size_t eq = spec.find('=');
      eq != std::string_view::npos && spec.substr(eq + 1, kHttps.size()) == kHttps) {
    std::string plain(spec.substr(0, eq + 1));
    plain.append(spec.substr(eq + 1 + kHttps.size()));
    if (!parse_target(plain, t)) return false;
    t.tls = true;
    return true;
  }
  std::size_t eq = spec.find('='), slash = spec.find('/', eq);
  if (eq == std::string_view::npos || slash == std::string_view::npos) return false;
  std::string_view hostport = spec.substr(eq + 1, slash - eq - 1);
  std::size_t colon = hostport.rfind(':');
  if (colon == std::string_view::npos) return false;
  t.name = spec.substr(0, eq);
  t.host = hostport.substr(0, colon);
  t.port = hostport.substr(colon + 1);
  t.path = spec.substr(slash);
  return !t.name.empty() && !t.host.empty() && !t.port.empty();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(
        stderr,
        "usage: sse_bench STREAMS TOKENS DELAY_MS ROUNDS NAME=[https://]HOST:PORT/PATH...\n");
    return 2;
  }
  int streams = std::stoi(argv[1]), tokens = std::stoi(argv[2]), delay_ms = std::stoi(argv[3]);
  int rounds = std::stoi(argv[4]);
  std::vector<Target> targets(static_cast<std::size_t>(argc - 5));
  for (int i = 5; i < argc; ++i) {
    if (!parse_target(argv[i], targets[static_cast<std::size_t>(i - 5)])) {
      std::fprintf(stderr, "sse_bench: expected NAME=HOST:PORT/PATH, got %s\n", argv[i]);
      return 2;
    }
  }
  net::ssl::context tls(net::ssl::context::tls_client);
  tls.set_verify_mode(net::ssl::verify_none);
  for (int round = 0; round < rounds; ++round) {
    net::io_context ioc(1);
    Gate gate(ioc, streams * static_cast<int>(targets.size()));
    for (Target& target : targets) {
      for (int s = 0; s < streams; ++s) {
        net::co_spawn(ioc, stream(target, tokens, delay_ms, tls, gate), net::detached);
      }
    }
    ioc.run();
  }
  for (Target& target : targets) {
    auto& v = target.latencies;
    if (v.empty()) {
      std::printf("%s p50_us=nan p99_us=nan max_us=nan tokens=0\n", target.name.c_str());
      continue;
    }
    std::sort(v.begin(), v.end());
    auto pick = [&](double q) {
      return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
    };
    std::printf("%s p50_us=%lld p99_us=%lld max_us=%lld tokens=%zu\n", target.name.c_str(),
                static_cast<long long>(pick(0.5)), static_cast<long long>(pick(0.99)),
                static_cast<long long>(v.back()), v.size());
  }
  return 0;
}
