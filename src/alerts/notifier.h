// Webhook delivery on its own thread: POSTs each notice, retrying failures (connection errors,
// timeouts, 408, 429, 5xx) with exponential back-off and jitter, up to max_attempts. Other 4xx
// answers are not retried. A bounded queue drops new notices when full. Everything is counted
// and logged; nothing here ever runs on a request path.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace ew::alerts {

struct DeliveryOptions {
  std::chrono::milliseconds timeout{5'000};
  int max_attempts = 6;
  std::chrono::milliseconds retry_base{1'000};
  std::chrono::milliseconds retry_max{300'000};
  std::size_t queue_limit = 1000;
};

struct Delivery {
  std::string rule;
  std::string url;
  std::string body;
  int attempts = 0;
};

struct DeliveryStats {
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;   // gave up after the last attempt, or a non-retryable answer
  std::uint64_t retries = 0;  // attempts after the first
  std::uint64_t dropped = 0;  // the queue was full
  std::uint64_t queued = 0;   // waiting now
};

class Notifier {
 public:
  explicit Notifier(DeliveryOptions options);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void start();
  // Stops at once; notices still queued are logged as undelivered.
  void stop();
  // Thread-safe and non-blocking; false (and counted) when the queue is full.
  bool enqueue(Delivery delivery);
  DeliveryStats stats() const;

  // The wait before attempt `attempt` (2 = the first retry): base * 2^(attempt-2), capped,
  // with +-20% jitter.
  static std::chrono::milliseconds backoff(const DeliveryOptions& options, int attempt,
                                           double jitter01);

 private:
  using Clock = std::chrono::steady_clock;
  void loop();
  // One attempt; returns whether it is worth retrying when it failed.
  bool attempt(Delivery& delivery, bool& retryable);

  DeliveryOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::multimap<Clock::time_point, Delivery> queue_;
  bool stopping_ = false;
  DeliveryStats stats_;
  std::thread thread_;
};

}  // namespace ew::alerts
