// Shorthands for declaring configuration keys, and checks that several sections share.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace ew::config {

inline KeySpec key(std::string name, Kind kind, std::string default_value, std::string help) {
  KeySpec spec;
  spec.key = std::move(name);
  spec.kind = kind;
  spec.default_value = std::move(default_value);
  spec.help = std::move(help);
  return spec;
}

inline KeySpec bounded(std::string name, Kind kind, std::string default_value, std::string help,
                       double min, double max) {
  KeySpec spec = key(std::move(name), kind, std::move(default_value), std::move(help));
  spec.min = min;
  spec.max = max;
  return spec;
}

inline KeySpec choice(std::string name, Kind kind, std::string default_value, std::string help,
                      std::vector<std::string> choices) {
  KeySpec spec = key(std::move(name), kind, std::move(default_value), std::move(help));
  spec.choices = std::move(choices);
  return spec;
}

// A path that a module answers on ([metrics] path, [frontend] path, the [ingest] paths): absolute,
// at least one character after the '/', no query, fragment, pattern braces or blanks. Appends
// "<key>: expected ..." to `problems` otherwise.
inline bool check_route_path(const std::string& key, const std::string& path,
                             std::vector<std::string>& problems) {
  if (path.size() >= 2 && path.front() == '/' &&
      path.find_first_of("?#{} \t") == std::string::npos) {
    return true;
  }
  problems.push_back(key + ": expected an absolute path without query, fragment, braces or " +
                     "spaces, such as \"/status\"; found \"" + path + "\"");
  return false;
}

}  // namespace ew::config
