// Protection against floods and cardinality explosions, all in memory and bounded:
//   TokenBuckets  - request rate per client address or per Sentry key;
//   SessionWindow - items per session per minute (the seed's self-reporting loop);
//   NameGuard     - distinct metric names and series kept, beyond which they are folded.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace ew::ingest {

class TokenBuckets {
 public:
  // rate: tokens per second (0 disables the limit); burst: bucket size.
  TokenBuckets(double rate, double burst, std::size_t max_keys = 100'000);
  // Takes `cost` tokens for `key`. False when there are not enough; retry_after_s is then the
  // whole seconds until there will be.
  bool take(std::string_view key, double cost, double now_s, int& retry_after_s);
  // Gives back tokens taken for a request that turned out to cost nothing (never above burst).
  void refund(std::string_view key, double cost);
  bool enabled() const { return rate_ > 0; }

 private:
  struct Bucket {
    double tokens;
    double last;
  };
  double rate_;
  double burst_;
  std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

class SessionWindow {
 public:
  explicit SessionWindow(std::size_t per_minute, std::size_t max_sessions = 200'000);
  // How many of `items` the session may still send this minute (0..items); counts them.
  std::size_t admit(std::string_view session, std::size_t items, std::int64_t now_ms);
  bool enabled() const { return per_minute_ > 0; }
  // Seconds until the current minute window ends.
  static int seconds_left(std::int64_t now_ms) {
    return static_cast<int>(60 - (now_ms / 1000) % 60);
  }

 private:
  std::size_t per_minute_;
  std::size_t max_sessions_;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::mutex mutex_;
  std::int64_t minute_ = -1;
  std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>> counts_;
};

class NameGuard {
 public:
  NameGuard(std::size_t max_names, std::size_t max_series);
  // The name (and tags) to store: unchanged while under the caps, else "other" (and no tags).
  // Returns true when it had to fold.
  bool admit(std::string& name, std::string& tags);

 private:
  std::size_t max_names_;
  std::size_t max_series_;
  std::mutex mutex_;
  std::unordered_set<std::string> names_;
  std::unordered_set<std::string> series_;
};

}  // namespace ew::ingest
