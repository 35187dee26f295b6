// Shorthands for declaring configuration keys.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace ew::ops {

inline config::KeySpec key(std::string name, config::Kind kind, std::string default_value,
                           std::string help) {
  config::KeySpec spec;
  spec.key = std::move(name);
  spec.kind = kind;
  spec.default_value = std::move(default_value);
  spec.help = std::move(help);
  return spec;
}

inline config::KeySpec bounded(std::string name, config::Kind kind, std::string default_value,
                               std::string help, double min, double max) {
  config::KeySpec spec = key(std::move(name), kind, std::move(default_value), std::move(help));
  spec.min = min;
  spec.max = max;
  return spec;
}

inline config::KeySpec choice(std::string name, config::Kind kind, std::string default_value,
                              std::string help, std::vector<std::string> choices) {
  config::KeySpec spec = key(std::move(name), kind, std::move(default_value), std::move(help));
  spec.choices = std::move(choices);
  return spec;
}

}  // namespace ew::ops
