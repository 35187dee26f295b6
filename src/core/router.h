// Maps (method, path) to a handler. Modules register routes at startup; the router is then
// frozen and shared read-only by every worker thread.
//
// Precedence, from first to last:
//   1. exact paths            "/health"
//   2. patterns, in registration order   "/_edgewatch/api/issues/{id}"
//   3. prefixes, longest first           "/api/", then "/"
// Within one path, a request whose method no route accepts gets 405 with Allow listing those
// that do. Paths are matched as received (percent-encoded, without the query).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/handler.h"

namespace ew {

// A set of methods; kAnyMethod accepts every method.
using MethodSet = std::uint16_t;
constexpr MethodSet method_bit(Method m) {
  return static_cast<MethodSet>(1u << static_cast<int>(m));
}
constexpr MethodSet kAnyMethod = 0xffff;
constexpr MethodSet kGetHead = method_bit(Method::kGet) | method_bit(Method::kHead);

enum class MatchKind : std::uint8_t { kExact, kPattern, kPrefix };

struct Route {
  MethodSet methods = kGetHead;
  MatchKind kind = MatchKind::kExact;
  std::string path;                       // exact path, pattern, or prefix
  Handler handler;                        // set for ordinary routes
  std::shared_ptr<StreamHandler> stream;  // set for connection-level routes
  RouteOptions options;
};

struct RouteMatch {
  const Route* route = nullptr;  // null: no route, or the method is not allowed
  bool method_not_allowed = false;
  std::string allow;  // for 405: "GET, HEAD, ..."
};

class Router {
 public:
  // Throws std::invalid_argument when a route with the same kind, path and an overlapping method
  // is already registered, or when a pattern is malformed: both are programming errors.
  void add(Route route);

  // Convenience forms.
  void exact(MethodSet methods, std::string path, Handler h, RouteOptions o = {});
  void prefix(MethodSet methods, std::string prefix, Handler h, RouteOptions o = {});
  void pattern(MethodSet methods, std::string pattern, Handler h, RouteOptions o = {});

  // Finds the route for a request. Pattern captures are appended to `request.mutable_params()`;
  // they view into `path`, which must outlive them.
  RouteMatch match(Method method, std::string_view path, Request* request = nullptr) const;

  std::size_t size() const { return routes_.size(); }

 private:
  const Route* pick(const std::vector<const Route*>& candidates, Method method,
                    RouteMatch& out) const;
  static bool match_pattern(std::string_view pattern, std::string_view path, Request* request);

  std::vector<std::unique_ptr<Route>> routes_;
  struct PathHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<const Route*>, PathHash, std::equal_to<>> exact_;
  std::vector<std::vector<const Route*>> patterns_;  // grouped by identical pattern text
  std::vector<std::vector<const Route*>> prefixes_;  // sorted by prefix length, longest first
};

std::string allow_header(MethodSet methods);

}  // namespace ew
