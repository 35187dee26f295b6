// TLS handshakes per second for bench/run: every request on a new TCP connection with a new TLS
// session, or (--resume) resuming the session the previous connection of the same thread got.
//
// wrk cannot measure full handshakes: with `Connection: close` it reconnects with the same SSL
// object after SSL_clear(), which keeps the session, so every connection but the first of each
// of its connections resumes (checked with nginx's $ssl_session_reused: 1171 of 1176). This client
// makes a fresh SSL for every connection and never offers a session, unless --resume asks it to.
//
//   tls_handshake HOST PORT PATH CONNECTIONS SECONDS [--resume] [--sni NAME] [-H 'Name: value']...
//
// CONNECTIONS blocking threads each loop: connect, handshake, GET PATH with Connection: close,
// read to the end, close. The certificate is not verified (as wrk does not): the client spends
// its CPU on the handshake, not on checking a chain. Prints the lines of wrk's output that
// bench/run parses (latency distribution, requests, non-2xx, socket errors, Requests/sec), plus
// "resumed N of M" from SSL_session_reused.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Totals {
  std::mutex mutex;
  std::vector<double> latencies_us;
  long non2xx = 0, connect_errors = 0, handshake_errors = 0, read_errors = 0, write_errors = 0;
  long resumed = 0, bytes = 0;
};

struct Options {
  sockaddr_in address{};
  std::string request, sni = "localhost";
  bool resume = false;
};

void worker(SSL_CTX* ctx, const Options& options, Clock::time_point deadline, Totals& totals) {
  std::vector<double> latencies;
  long non2xx = 0, connect_errors = 0, handshake_errors = 0, read_errors = 0, write_errors = 0;
  long resumed = 0, bytes = 0;
  SSL_SESSION* session = nullptr;
  std::string response;
  char buffer[16384];
  while (Clock::now() < deadline) {
    const auto start = Clock::now();
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&options.address),
                            sizeof options.address) != 0) {
      ++connect_errors;
      if (fd >= 0) ::close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, options.sni.c_str());
    if (options.resume && session != nullptr) SSL_set_session(ssl, session);
    bool ok = SSL_connect(ssl) == 1;
    if (!ok) {
      ++handshake_errors;
    } else if (SSL_write(ssl, options.request.data(), static_cast<int>(options.request.size())) <=
               0) {
      ++write_errors;
      ok = false;
    } else {
      response.clear();
      for (;;) {
        const int n = SSL_read(ssl, buffer, sizeof buffer);
        if (n > 0) {
          response.append(buffer, static_cast<std::size_t>(n));
          continue;
        }
        const int error = SSL_get_error(ssl, n);
        // The server closes after its answer: a close_notify, or (some servers) just the TCP FIN.
        if (error != SSL_ERROR_ZERO_RETURN && !(error == SSL_ERROR_SYSCALL && !response.empty())) {
          ++read_errors;
          ok = false;
        }
        break;
      }
    }
    if (ok) {
      const auto end = Clock::now();
      latencies.push_back(std::chrono::duration<double, std::micro>(end - start).count());
      bytes += static_cast<long>(response.size());
      if (response.compare(0, 9, "HTTP/1.1 ") != 0 || response.size() < 10 ||
          (response[9] != '2' && response[9] != '3')) {
        ++non2xx;
      }
      if (SSL_session_reused(ssl)) ++resumed;
      // The answer is complete: mark the session as closed cleanly, or SSL_free() would mark
      // it not resumable.
      SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
      if (options.resume) {
        // After the answer has been read, the TLS 1.3 tickets the server sent have been too.
        if (session != nullptr) SSL_SESSION_free(session);
        session = SSL_get1_session(ssl);
      }
    }
    ERR_clear_error();
    SSL_free(ssl);
    ::close(fd);
  }
  if (session != nullptr) SSL_SESSION_free(session);
  std::lock_guard lock(totals.mutex);
  totals.latencies_us.insert(totals.latencies_us.end(), latencies.begin(), latencies.end());
  totals.non2xx += non2xx;
  totals.connect_errors += connect_errors;
  totals.handshake_errors += handshake_errors;
  totals.read_errors += read_errors;
  totals.write_errors += write_errors;
  totals.resumed += resumed;
  totals.bytes += bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr,
                 "usage: tls_handshake HOST PORT PATH CONNECTIONS SECONDS [--resume] [--sni NAME] "
                 "[-H 'Name: value']...\n");
    return 2;
  }
  Options options;
  options.address.sin_family = AF_INET;
  options.address.sin_port = htons(static_cast<std::uint16_t>(std::atoi(argv[2])));
  if (::inet_pton(AF_INET, argv[1], &options.address.sin_addr) != 1) {
    std::fprintf(stderr, "tls_handshake: HOST must be an IPv4 address, got %s\n", argv[1]);
    return 2;
  }
  const std::string path = argv[3];
  const int connections = std::max(1, std::atoi(argv[4]));
  const double seconds = std::atof(argv[5]);
  std::string headers;
  for (int i = 6; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--resume") {
      options.resume = true;
    } else if (arg == "--sni" && i + 1 < argc) {
      options.sni = argv[++i];
    } else if (arg == "-H" && i + 1 < argc) {
      headers += std::string(argv[++i]) + "\r\n";
    } else {
      std::fprintf(stderr, "tls_handshake: unknown argument %s\n", arg.c_str());
      return 2;
    }
  }
  options.request = "GET " + path + " HTTP/1.1\r\nHost: " + options.sni + "\r\n" + headers +
                    "Connection: close\r\n\r\n";

  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return 1;
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  // No automatic client session cache: a session is offered only with --resume, explicitly.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);

  Totals totals;
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::microseconds(static_cast<long long>(seconds * 1e6));
  std::vector<std::thread> threads;
  for (int i = 0; i < connections; ++i) {
    threads.emplace_back(worker, ctx, std::cref(options), deadline, std::ref(totals));
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  SSL_CTX_free(ctx);

  auto& v = totals.latencies_us;
  std::sort(v.begin(), v.end());
  auto pick = [&](double q) {
    if (v.empty()) return 0.0;
    return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
  };
  std::printf("tls_handshake %s://%s:%s%s, %d connections, %s handshakes\n", "https", argv[1],
              argv[2], path.c_str(), connections, options.resume ? "resumed" : "full");
  std::printf("  Latency Distribution\n");
  for (double q : {0.5, 0.75, 0.9, 0.99}) {
    std::printf("  %3.0f%%  %.2fms\n", q * 100, pick(q) / 1000.0);
  }
  std::printf("  %zu requests in %.2fs, %.2fMB read\n", v.size(), elapsed,
              static_cast<double>(totals.bytes) / 1e6);
  const long socket_errors =
      totals.connect_errors + totals.handshake_errors + totals.read_errors + totals.write_errors;
  if (socket_errors > 0) {
    std::printf("  Socket errors: connect %ld, read %ld, write %ld, timeout 0, handshake %ld\n",
                totals.connect_errors, totals.read_errors, totals.write_errors,
                totals.handshake_errors);
  }
  if (totals.non2xx > 0) std::printf("  Non-2xx or 3xx responses: %ld\n", totals.non2xx);
  std::printf("Requests/sec: %10.2f\n",
              elapsed > 0 ? static_cast<double>(v.size()) / elapsed : 0.0);
  std::printf("resumed %ld of %zu\n", totals.resumed, v.size());
  return 0;
}
