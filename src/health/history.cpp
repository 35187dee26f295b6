#include "health/history.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

namespace ew::health {
namespace {

using nlohmann::json;

std::string segment_line(const std::string& service, const Segment& s) {
  json j = {{"type", "segment"},
            {"service", service},
            {"status", to_string(s.status)},
            {"from", s.from_ms},
            {"to", s.to_ms}};
  return j.dump();
}

std::string transition_line(const Transition& t) {
  json j = {{"type", "transition"},
            {"service", t.service},
            {"from", t.from ? json(to_string(*t.from)) : json(nullptr)},
            {"to", to_string(t.to)},
            {"at", t.at_ms},
            {"details", t.details}};
  return j.dump();
}

std::int64_t overlap(std::int64_t a_from, std::int64_t a_to, std::int64_t b_from,
                     std::int64_t b_to) {
  return std::max<std::int64_t>(0, std::min(a_to, b_to) - std::max(a_from, b_from));
}

}  // namespace

std::optional<double> Uptime::percent() const {
  if (observed_ms <= 0) return std::nullopt;
  return 100.0 * static_cast<double>(up_ms) / static_cast<double>(observed_ms);
}

HealthHistory::HealthHistory(Options options) : options_(std::move(options)) {}

std::optional<std::string> HealthHistory::load(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (options_.file.empty()) return std::nullopt;
  std::int64_t oldest = now_ms - kKeep;
  std::size_t bad_lines = 0;
  {
    std::ifstream in(options_.file);
    for (std::string line; std::getline(in, line);) {
      json j = json::parse(line, nullptr, false);
      try {
        if (j.is_discarded() || !j.is_object()) throw std::runtime_error("not an object");
        const std::string type = j.at("type").get<std::string>();
        const std::string service = j.at("service").get<std::string>();
        if (type == "segment") {
          auto status = parse_health_status(j.at("status").get<std::string>());
          Segment s{status.value(), j.at("from").get<std::int64_t>(),
                    j.at("to").get<std::int64_t>()};
          if (s.to_ms < oldest || s.to_ms < s.from_ms) continue;
          append_segment(tracks_[service], s);
        } else if (type == "transition") {
          Transition t;
          t.service = service;
          t.at_ms = j.at("at").get<std::int64_t>();
          if (!j.at("from").is_null()) {
            t.from = parse_health_status(j.at("from").get<std::string>()).value();
          }
          t.to = parse_health_status(j.at("to").get<std::string>()).value();
          t.details = j.value("details", "");
          if (t.at_ms < oldest) continue;
          transitions_.push_back(std::move(t));
        }
      } catch (const std::exception&) {
        ++bad_lines;  // a torn last line after a crash, or a foreign edit: skipped
      }
    }
  }
  std::sort(transitions_.begin(), transitions_.end(),
            [](const Transition& a, const Transition& b) { return a.at_ms < b.at_ms; });
  while (transitions_.size() > options_.max_transitions) transitions_.pop_front();

  // Rewrite compacted: expired lines go, contiguous segments are merged.
  std::string tmp = options_.file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& [service, track] : tracks_) {
      for (const auto& s : track.closed) out << segment_line(service, s) << '\n';
    }
    for (const auto& t : transitions_) out << transition_line(t) << '\n';
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return "cannot write " + tmp + "; health history is kept in memory only";
    }
  }
  if (std::rename(tmp.c_str(), options_.file.c_str()) != 0) {
    std::remove(tmp.c_str());
    return "cannot replace " + options_.file + "; health history is kept in memory only";
  }
  file_ok_ = true;
  if (bad_lines > 0) {
    return std::to_string(bad_lines) + " unreadable line(s) in " + options_.file + " were skipped";
  }
  return std::nullopt;
}

void HealthHistory::write_line(const std::string& line) {
  if (!file_ok_) return;
  std::FILE* f = std::fopen(options_.file.c_str(), "a");
  if (f == nullptr) return;
  std::fputs(line.c_str(), f);
  std::fputc('\n', f);
  std::fclose(f);
}

void HealthHistory::append_segment(Track& track, const Segment& s) {
  if (!track.closed.empty()) {
    Segment& last = track.closed.back();
    if (last.status == s.status && s.from_ms <= last.to_ms + options_.gap_ms &&
        s.from_ms >= last.from_ms) {
      last.to_ms = std::max(last.to_ms, s.to_ms);
      return;
    }
  }
  track.closed.push_back(s);
}

void HealthHistory::close_open(Track& track, const std::string& service, std::int64_t end_ms) {
  if (!track.open) return;
  Segment s = *track.open;
  s.to_ms = std::max(s.from_ms, end_ms);
  // Only the part not yet written by a checkpoint goes to the file.
  Segment unwritten = s;
  unwritten.from_ms = std::max(s.from_ms, track.open_written_ms);
  if (unwritten.to_ms > unwritten.from_ms || track.open_written_ms == 0) {
    write_line(segment_line(service, unwritten));
  }
  append_segment(track, s);
  track.open.reset();
  track.open_written_ms = 0;
}

std::vector<Transition> HealthHistory::observe(const std::vector<ServiceHealth>& services,
                                               std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  std::vector<Transition> changes;
  for (const auto& s : services) {
    Track& track = tracks_[s.service];
    if (track.open && now_ms - track.open->to_ms > options_.gap_ms) {
      close_open(track, s.service, track.open->to_ms);  // not observed in between
    }
    std::optional<HealthStatus> previous;
    if (track.open) {
      previous = track.open->status;
    } else if (!track.closed.empty()) {
      previous = track.closed.back().status;
    }
    if (track.open && track.open->status == s.status) {
      track.open->to_ms = now_ms;
      std::int64_t written = std::max(track.open_written_ms, track.open->from_ms);
      if (now_ms - written >= options_.checkpoint_ms) {
        Segment part{s.status, written, now_ms};
        write_line(segment_line(s.service, part));
        track.open_written_ms = now_ms;
      }
      continue;
    }
    close_open(track, s.service, now_ms);
    track.open = Segment{s.status, now_ms, now_ms};
    track.open_written_ms = 0;
    if (previous && *previous == s.status) continue;  // same as before a restart or a gap
    Transition t{now_ms, s.service, previous, s.status, s.details};
    ++track.transitions;
    write_line(transition_line(t));
    transitions_.push_back(t);
    while (transitions_.size() > options_.max_transitions) transitions_.pop_front();
    changes.push_back(std::move(t));
  }
  prune(now_ms);
  return changes;
}

void HealthHistory::prune(std::int64_t now_ms) {
  std::int64_t oldest = now_ms - kKeep;
  for (auto& [service, track] : tracks_) {
    auto& closed = track.closed;
    auto keep = std::find_if(closed.begin(), closed.end(),
                             [&](const Segment& s) { return s.to_ms >= oldest; });
    closed.erase(closed.begin(), keep);
  }
  while (!transitions_.empty() && transitions_.front().at_ms < oldest) transitions_.pop_front();
}

void HealthHistory::flush(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  for (auto& [service, track] : tracks_) {
    if (track.open) close_open(track, service, std::min(now_ms, track.open->to_ms));
  }
}

std::vector<ServiceHistory> HealthHistory::summary(std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  static constexpr std::int64_t kWindows[] = {kDay, 7 * kDay, 30 * kDay};
  std::vector<ServiceHistory> out;
  for (const auto& [service, track] : tracks_) {
    ServiceHistory h;
    h.service = service;
    if (track.open) {
      h.current = track.open->status;
      h.since_ms = track.open->from_ms;
      // Contiguous earlier segments of the same status started it sooner.
      if (!track.closed.empty() && track.closed.back().status == track.open->status &&
          track.closed.back().to_ms + options_.gap_ms >= track.open->from_ms) {
        h.since_ms = track.closed.back().from_ms;
      }
    }
    for (std::int64_t window : kWindows) {
      Uptime u;
      u.window_ms = window;
      std::int64_t from = now_ms - window;
      auto add = [&](const Segment& s) {
        std::int64_t o = overlap(s.from_ms, s.to_ms, from, now_ms);
        u.observed_ms += o;
        if (s.status != HealthStatus::kUnhealthy) u.up_ms += o;
        if (s.status == HealthStatus::kHealthy) u.healthy_ms += o;
      };
      for (const auto& s : track.closed) add(s);
      if (track.open) add(*track.open);
      h.windows.push_back(u);
    }
    out.push_back(std::move(h));
  }
  return out;
}

std::vector<Transition> HealthHistory::transitions(std::size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<Transition> out;
  for (auto it = transitions_.rbegin(); it != transitions_.rend() && out.size() < limit; ++it) {
    out.push_back(*it);
  }
  return out;
}

std::uint64_t HealthHistory::transition_count(const std::string& service) const {
  std::lock_guard lock(mutex_);
  auto it = tracks_.find(service);
  return it == tracks_.end() ? 0 : it->second.transitions;
}

}  // namespace ew::health
