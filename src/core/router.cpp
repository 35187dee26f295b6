#include "core/router.h"

#include <algorithm>
#include <stdexcept>

namespace ew {
namespace {

bool valid_pattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') return false;
  std::size_t open = 0;
  while ((open = pattern.find('{', open)) != std::string_view::npos) {
    std::size_t close = pattern.find('}', open);
    if (close == std::string_view::npos || close == open + 1) return false;
    // A capture must be a whole segment: "/{id}/", never "/x{id}".
    if (pattern[open - 1] != '/') return false;
    if (close + 1 < pattern.size() && pattern[close + 1] != '/') return false;
    open = close;
  }
  return true;
}

std::vector<const Route*>* find_group(std::vector<std::vector<const Route*>>& groups,
                                      std::string_view path) {
  for (auto& group : groups) {
    if (group.front()->path == path) return &group;
  }
  return nullptr;
}

void add_to_group(std::vector<const Route*>& group, const Route* route) {
  for (const Route* existing : group) {
    if ((existing->methods & route->methods) != 0) {
      throw std::invalid_argument("route registered twice: " + route->path);
    }
  }
  group.push_back(route);
}

}  // namespace

std::string allow_header(MethodSet methods) {
  std::string allow;
  for (int i = 0; i < static_cast<int>(Method::kOther); ++i) {
    auto method = static_cast<Method>(i);
    if ((methods & method_bit(method)) == 0) continue;
    if (!allow.empty()) allow += ", ";
    allow += to_string(method);
  }
  return allow;
}

void Router::add(Route route) {
  if (route.path.empty() || route.path.front() != '/') {
    throw std::invalid_argument("route path must start with '/': " + route.path);
  }
  if (route.kind == MatchKind::kPattern && !valid_pattern(route.path)) {
    throw std::invalid_argument("malformed route pattern: " + route.path);
  }
  routes_.push_back(std::make_unique<Route>(std::move(route)));
  const Route* stored = routes_.back().get();
  switch (stored->kind) {
    case MatchKind::kExact:
      add_to_group(exact_[stored->path], stored);
      break;
    case MatchKind::kPattern:
    case MatchKind::kPrefix: {
      auto& groups = stored->kind == MatchKind::kPattern ? patterns_ : prefixes_;
      if (auto* group = find_group(groups, stored->path)) {
        add_to_group(*group, stored);
      } else {
        groups.push_back({stored});
      }
      if (stored->kind == MatchKind::kPrefix) {
        std::stable_sort(prefixes_.begin(), prefixes_.end(), [](const auto& a, const auto& b) {
          return a.front()->path.size() > b.front()->path.size();
        });
      }
      break;
    }
  }
}

void Router::exact(MethodSet methods, std::string path, Handler h, RouteOptions o) {
  add(Route{methods, MatchKind::kExact, std::move(path), std::move(h), nullptr, o});
}

void Router::prefix(MethodSet methods, std::string prefix, Handler h, RouteOptions o) {
  add(Route{methods, MatchKind::kPrefix, std::move(prefix), std::move(h), nullptr, o});
}

void Router::pattern(MethodSet methods, std::string pattern, Handler h, RouteOptions o) {
  add(Route{methods, MatchKind::kPattern, std::move(pattern), std::move(h), nullptr, o});
}

const Route* Router::pick(const std::vector<const Route*>& candidates, Method method,
                          RouteMatch& out) const {
  MethodSet allowed = 0;
  for (const Route* route : candidates) {
    if ((route->methods & method_bit(method)) != 0) return route;
    allowed |= route->methods;
  }
  out.method_not_allowed = true;
  out.allow = allow_header(allowed);
  return nullptr;
}

bool Router::match_pattern(std::string_view pattern, std::string_view path, Request* request) {
  std::size_t captured = request ? request->mutable_params().size() : 0;
  std::size_t p = 0;
  std::size_t q = 0;
  while (p < pattern.size()) {
    if (pattern[p] == '{') {
      std::size_t close = pattern.find('}', p);
      std::size_t end = path.find('/', q);
      if (end == std::string_view::npos) end = path.size();
      if (end == q) break;  // an empty segment never matches a capture
      if (request) {
        request->mutable_params().emplace_back(pattern.substr(p + 1, close - p - 1),
                                               path.substr(q, end - q));
      }
      p = close + 1;
      q = end;
      continue;
    }
    if (q >= path.size() || pattern[p] != path[q]) break;
    ++p;
    ++q;
  }
  if (p == pattern.size() && q == path.size()) return true;
  if (request) request->mutable_params().resize(captured);
  return false;
}

RouteMatch Router::match(Method method, std::string_view path, Request* request) const {
  RouteMatch out;
  if (auto it = exact_.find(path); it != exact_.end()) {
    out.route = pick(it->second, method, out);
    return out;
  }
  for (const auto& group : patterns_) {
    if (match_pattern(group.front()->path, path, request)) {
      out.route = pick(group, method, out);
      if (!out.route && request) request->mutable_params().clear();
      return out;
    }
  }
  for (const auto& group : prefixes_) {
    if (path.starts_with(group.front()->path)) {
      out.route = pick(group, method, out);
      return out;
    }
  }
  return out;
}

}  // namespace ew
