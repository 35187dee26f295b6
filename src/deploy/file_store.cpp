#include "deploy/file_store.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace ew::deploy {

using nlohmann::json;

std::string to_json_line(const Deployment& d) {
  json j = {{"id", d.id},
            {"environment", d.environment},
            {"version", d.version},
            {"timestamp", d.timestamp_ms},
            {"received", d.received_ms}};
  return j.dump();
}

std::optional<Deployment> from_json_line(const std::string& line) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    Deployment d;
    d.id = j.at("id").get<std::int64_t>();
    d.environment = j.at("environment").get<std::string>();
    d.version = j.at("version").get<std::string>();
    d.timestamp_ms = j.at("timestamp").get<std::int64_t>();
    d.received_ms = j.at("received").get<std::int64_t>();
    return d;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

FileDeploymentStore::FileDeploymentStore(std::string file, std::size_t max_entries)
    : file_(std::move(file)), max_entries_(std::max<std::size_t>(1, max_entries)) {}

std::optional<std::string> FileDeploymentStore::load() {
  std::lock_guard lock(mutex_);
  if (file_.empty()) return std::nullopt;
  std::ifstream in(file_);
  if (!in) {
    if (::access(file_.c_str(), F_OK) == 0) throw std::runtime_error("cannot read " + file_);
    return std::nullopt;  // created on the first deployment
  }
  std::size_t bad = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ++lines_in_file_;
    auto d = from_json_line(line);
    if (!d) {
      ++bad;
      continue;
    }
    entries_.push_back(std::move(*d));
  }
  std::sort(entries_.begin(), entries_.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  if (!entries_.empty()) next_id_ = entries_.back().id + 1;
  if (entries_.size() > max_entries_) {
    entries_.erase(entries_.begin(), entries_.end() - static_cast<long>(max_entries_));
  }
  if (bad > 0) {
    return std::to_string(bad) + " unreadable line(s) in " + file_ + " were skipped";
  }
  return std::nullopt;
}

bool FileDeploymentStore::rewrite() {
  std::string tmp = file_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& d : entries_) out << to_json_line(d) << '\n';
    out.flush();
    if (!out) return false;
  }
  if (std::rename(tmp.c_str(), file_.c_str()) != 0) return false;
  lines_in_file_ = entries_.size();
  return true;
}

storage::Result<Deployment> FileDeploymentStore::add(Deployment deployment) {
  std::lock_guard lock(mutex_);
  deployment.id = next_id_;
  if (!file_.empty()) {
    std::FILE* f = std::fopen(file_.c_str(), "a");
    if (f == nullptr) return storage::Error{"cannot open " + file_ + " for appending"};
    std::string line = to_json_line(deployment) + "\n";
    bool ok = std::fwrite(line.data(), 1, line.size(), f) == line.size() && std::fflush(f) == 0 &&
              ::fsync(::fileno(f)) == 0;
    std::fclose(f);
    if (!ok) return storage::Error{"cannot write to " + file_};
    ++lines_in_file_;
  }
  ++next_id_;
  entries_.push_back(deployment);
  if (entries_.size() > max_entries_) entries_.erase(entries_.begin());
  if (!file_.empty() && lines_in_file_ > 2 * max_entries_) rewrite();  // best effort
  return deployment;
}

storage::Result<std::vector<Deployment>> FileDeploymentStore::list(const DeploymentQuery& q) {
  std::lock_guard lock(mutex_);
  std::vector<Deployment> out;
  for (const auto& d : entries_) {
    if (!q.environment.empty() && d.environment != q.environment) continue;
    if (!q.version.empty() && d.version != q.version) continue;
    if (d.timestamp_ms < q.from_ms || d.timestamp_ms > q.to_ms) continue;
    out.push_back(d);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.timestamp_ms != b.timestamp_ms ? a.timestamp_ms > b.timestamp_ms : a.id > b.id;
  });
  if (out.size() > q.limit) out.resize(q.limit);
  return out;
}

}  // namespace ew::deploy
