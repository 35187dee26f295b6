#include "ingest/guards.h"

#include <cmath>

namespace ew::ingest {

TokenBuckets::TokenBuckets(double rate, double burst, std::size_t max_keys)
    : rate_(rate), burst_(std::max(burst, 1.0)), max_keys_(max_keys) {}

bool TokenBuckets::take(std::string_view key, double cost, double now_s, int& retry_after_s) {
  if (rate_ <= 0) return true;
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) {
      // Forget the buckets that have refilled; they hold no information.
      for (auto b = buckets_.begin(); b != buckets_.end();) {
        if (b->second.tokens + (now_s - b->second.last) * rate_ >= burst_) {
          b = buckets_.erase(b);
        } else {
          ++b;
        }
      }
      if (buckets_.size() >= max_keys_) buckets_.clear();  // fail open rather than grow
    }
    it = buckets_.emplace(std::string(key), Bucket{burst_, now_s}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::min(burst_, b.tokens + (now_s - b.last) * rate_);
  b.last = now_s;
  if (b.tokens >= cost) {
    b.tokens -= cost;
    return true;
  }
  retry_after_s = std::max(1, static_cast<int>(std::ceil((cost - b.tokens) / rate_)));
  return false;
}

void TokenBuckets::refund(std::string_view key, double cost) {
  if (rate_ <= 0) return;
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(key));
  if (it != buckets_.end()) it->second.tokens = std::min(burst_, it->second.tokens + cost);
}

SessionWindow::SessionWindow(std::size_t per_minute, std::size_t max_sessions)
    : per_minute_(per_minute), max_sessions_(max_sessions) {}

std::size_t SessionWindow::admit(std::string_view session, std::size_t items, std::int64_t now_ms) {
  if (per_minute_ == 0 || session.empty()) return items;
  std::lock_guard lock(mutex_);
  const std::int64_t minute = now_ms / 60'000;
  if (minute != minute_) {
    counts_.clear();
    minute_ = minute;
  }
  auto it = counts_.find(session);
  if (it == counts_.end()) {
    if (counts_.size() >= max_sessions_) return items;  // bounded memory: stop tracking new ones
    it = counts_.emplace(std::string(session), 0).first;
  }
  const std::size_t room = it->second >= per_minute_ ? 0 : per_minute_ - it->second;
  const std::size_t admitted = std::min(room, items);
  it->second += admitted;
  return admitted;
}

NameGuard::NameGuard(std::size_t max_names, std::size_t max_series)
    : max_names_(max_names), max_series_(max_series) {}

bool NameGuard::admit(std::string& name, std::string& tags) {
  std::lock_guard lock(mutex_);
  bool folded = false;
  if (!names_.contains(name)) {
    if (names_.size() >= max_names_) {
      name = "other";
      tags.clear();
      folded = true;
    }
    names_.insert(name);
  }
  std::string series = name + '\x1f' + tags;
  if (!series_.contains(series)) {
    if (series_.size() >= max_series_) {
      tags.clear();
      folded = true;
      series = name + '\x1f';
    }
    series_.insert(std::move(series));
  }
  return folded;
}

}  // namespace ew::ingest
