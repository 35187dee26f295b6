// Error events: duplicate check, the issue they belong to (cached), regressions, distinct sessions
// and users, and the per-issue totals, accumulated per group and written once per issue.
#include "storage/sqlite_store_impl.h"

namespace ew::storage::sqlite {

bool SqliteStore::write_error(const ErrorRecord& r, WriteOutcome& outcome) {
  WriteStatements& s = *w_;
  s.event_exists.bind(1, r.project).bind(2, r.event_id);
  const bool duplicate = s.event_exists.step();
  const bool failed = s.event_exists.failed();
  s.event_exists.reset();
  if (failed) return false;
  if (duplicate) {
    ++outcome.duplicates;
    outcome.issue_ids.push_back(0);
    return true;
  }
  if (!r.client.release.empty()) {
    std::string key = std::to_string(r.project) + '\x1f' + r.client.release;
    if (!release_cache_.contains(key)) {
      // A release is first seen when the server first hears of it: the clock regressions are
      // judged by, immune to client clocks.
      s.release_insert.bind(1, r.project).bind(2, r.client.release).bind(3, r.received);
      if (!s.release_insert.run()) return false;
      if (release_cache_.size() > 10'000) release_cache_.clear();
      release_cache_.insert(std::move(key));
    }
  }
  const std::string issue_key = std::to_string(r.project) + '\x1f' + r.fingerprint;
  IssueState state;
  if (auto cached = issue_cache_.find(issue_key); cached != issue_cache_.end()) {
    state = cached->second;
  } else {
    s.issue_find.bind(1, r.project).bind(2, r.fingerprint);
    if (s.issue_find.step()) {
      state.id = s.issue_find.int64(0);
      state.status = static_cast<int>(s.issue_find.int64(1));
      state.resolved_at = s.issue_find.int64(2);
    }
    const bool find_failed = s.issue_find.failed();
    s.issue_find.reset();
    if (find_failed) return false;
  }
  if (state.id == 0) {
    Stmt& q = s.issue_insert;
    q.bind(1, r.project).bind(2, r.fingerprint).bind(3, r.title).bind(4, r.culprit);
    q.bind(5, r.type).bind(6, r.level).bind(7, r.timestamp).bind(8, r.timestamp);
    if (!q.run()) return false;
    state.id = writer_.last_insert_rowid();
    ++outcome.new_issues;
  } else if (state.status == static_cast<int>(IssueStatus::kResolved) &&
             !r.client.release.empty()) {
    // A regression: seen again in a release that appeared after the issue was resolved.
    s.release_first_seen.bind(1, r.project).bind(2, r.client.release);
    TimeMs release_seen = 0;
    if (s.release_first_seen.step()) release_seen = s.release_first_seen.int64(0);
    s.release_first_seen.reset();
    if (release_seen > state.resolved_at) {
      if (!s.issue_regress.bind(1, r.received).bind(2, state.id).run()) return false;
      state.status = static_cast<int>(IssueStatus::kUnresolved);
      ++outcome.regressions;
    }
  }
  if (issue_cache_.size() > 100'000) issue_cache_.clear();
  issue_cache_[issue_key] = state;

  IssueDelta& d = deltas_[state.id];
  d.events.add(r.timestamp);
  d.title = r.title;
  d.culprit = r.culprit;
  d.level = r.level;
  if (!r.client.release.empty()) {
    if (d.first_release.empty()) d.first_release = r.client.release;
    d.last_release = r.client.release;
    d.releases[r.client.release].add(r.timestamp);
  }
  if (!r.client.environment.empty()) d.environments[r.client.environment].add(r.timestamp);
  if (!r.session.empty()) {
    if (!s.session_insert.bind(1, state.id).bind(2, hash64(r.session)).run()) return false;
    d.sessions += writer_.changes();
  }
  if (!r.user.empty()) {
    if (!s.user_insert.bind(1, state.id).bind(2, hash64(r.user)).run()) return false;
    d.users += writer_.changes();
  }

  Stmt& e = s.event_insert;
  e.bind(1, r.project).bind(2, r.event_id).bind(3, state.id).bind(4, r.timestamp);
  e.bind(5, r.received).bind(6, r.title).bind(7, r.message).bind(8, r.level).bind(9, r.session);
  e.bind(10, r.user).bind(11, r.client.release).bind(12, r.client.environment);
  e.bind(13, r.client.page).bind(14, r.client.browser).bind(15, r.client.os);
  e.bind(16, r.client.device).bind(17, r.detail_json);
  if (!e.run()) return false;
  ++outcome.stored;
  outcome.issue_ids.push_back(state.id);
  return true;
}

bool SqliteStore::flush_deltas() {
  WriteStatements& s = *w_;
  for (const auto& [id, d] : deltas_) {
    Stmt& q = s.issue_update;
    q.bind(1, d.events.count).bind(2, d.sessions).bind(3, d.users).bind(4, d.events.last);
    q.bind(5, d.events.first).bind(6, d.title).bind(7, d.culprit).bind(8, d.level);
    q.bind(9, d.last_release).bind(10, d.first_release).bind(11, id);
    if (!q.run()) return false;
    for (const auto& [release, span] : d.releases) {
      s.issue_release.bind(1, id).bind(2, release).bind(3, span.count).bind(4, span.first);
      if (!s.issue_release.bind(5, span.last).run()) return false;
    }
    for (const auto& [environment, span] : d.environments) {
      s.issue_environment.bind(1, id).bind(2, environment).bind(3, span.count);
      if (!s.issue_environment.bind(4, span.first).bind(5, span.last).run()) return false;
    }
  }
  deltas_.clear();
  return true;
}

}  // namespace ew::storage::sqlite
