// Value parsers shared with other modules, and their inverses used when printing a config.

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <limits>

#include "config/config.h"
#include "config/internal.h"
#include "util/ascii.h"
#include "util/json_text.h"

extern char** environ;  // NOLINT: POSIX, declared here so we do not rely on _GNU_SOURCE

namespace ew::config {
namespace {

using u128 = unsigned __int128;

constexpr std::uint64_t kKiB = 1024;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// "<digits>[.<digits>]<unit>", the shared shape of sizes and durations. The integer part is
// required so that ".5s" and "s" are rejected rather than guessed at.
struct Quantity {
  std::string_view whole;
  std::string_view fraction;  // digits after '.', empty when there is no '.'
  std::string_view unit;
};

std::optional<Quantity> split_quantity(std::string_view text) {
  Quantity q;
  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  if (i == 0) return std::nullopt;
  q.whole = text.substr(0, i);
  if (i < text.size() && text[i] == '.') {
    const std::size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == start) return std::nullopt;
    q.fraction = text.substr(start, i - start);
  }
  q.unit = text.substr(i);
  return q;
}

// whole.fraction * multiplier as an exact fraction numerator / denominator; nullopt on
// overflow of 64 bits (the caller's limit is never larger).
struct Scaled {
  u128 numerator;
  u128 denominator;
};

std::optional<Scaled> scale(const Quantity& q, std::uint64_t multiplier) {
  constexpr u128 kLimit = std::numeric_limits<std::uint64_t>::max();
  u128 whole = 0;
  for (char c : q.whole) {
    whole = whole * 10 + static_cast<unsigned>(c - '0');
    if (whole > kLimit) return std::nullopt;
  }
  // 18 fractional digits are far below a byte or a millisecond for every unit we accept, and
  // keep the arithmetic inside 128 bits.
  const std::string_view digits = q.fraction.substr(0, 18);
  u128 fraction = 0;
  u128 denominator = 1;
  for (char c : digits) {
    fraction = fraction * 10 + static_cast<unsigned>(c - '0');
    denominator *= 10;
  }
  const u128 numerator = (whole * denominator + fraction) * multiplier;
  if (numerator / denominator > kLimit) return std::nullopt;
  return Scaled{numerator, denominator};
}

std::optional<std::uint64_t> size_multiplier(std::string_view unit) {
  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 9> kUnits = {{
      {"b", 1},
      {"kb", 1000},
      {"mb", 1000 * 1000},
      {"gb", 1000 * 1000 * 1000},
      {"tb", 1000ULL * 1000 * 1000 * 1000},
      {"kib", kKiB},
      {"mib", kKiB * kKiB},
      {"gib", kKiB * kKiB * kKiB},
      {"tib", kKiB * kKiB * kKiB * kKiB},
  }};
  const std::string key = ascii_lower(unit);
  for (const auto& [name, multiplier] : kUnits) {
    if (key == name) return multiplier;
  }
  return std::nullopt;
}

std::optional<std::int64_t> duration_multiplier(std::string_view unit) {
  // Lower-case only: "M" would read as months to some people.
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60 * 1000;
  if (unit == "h") return 60 * 60 * 1000;
  if (unit == "d") return 24 * 60 * 60 * 1000;
  return std::nullopt;
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), is_digit)) return std::nullopt;
  unsigned value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// A DNS name or an IPv4 literal. Deliberately loose (no label-length rules): the resolver has
// the final word, this only catches text that cannot possibly be a host.
bool is_host_name(std::string_view host) {
  if (host.empty()) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

bool is_ipv6(std::string_view text) {
  std::array<unsigned char, 16> buffer{};
  return inet_pton(AF_INET6, std::string(text).c_str(), buffer.data()) == 1;
}

bool is_ipv4(std::string_view text) {
  std::array<unsigned char, 4> buffer{};
  return inet_pton(AF_INET, std::string(text).c_str(), buffer.data()) == 1;
}

struct HostPort {
  std::string host;
  std::optional<std::string_view> port;  // text after ':', absent when there is no ':'
};

// Splits "host", "host:port", "[v6]" or "[v6]:port"; an empty host is allowed here.
std::optional<HostPort> split_host_port(std::string_view text) {
  HostPort out;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view inside = text.substr(1, close - 1);
    if (!is_ipv6(inside)) return std::nullopt;
    out.host = std::string(inside);
    rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
  } else {
    const std::size_t colon = text.find(':');
    // A second colon means an unbracketed IPv6 address, where the port would be ambiguous.
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos) {
      return std::nullopt;
    }
    out.host = std::string(text.substr(0, colon));
    if (!out.host.empty() && !is_host_name(out.host)) return std::nullopt;
    rest = colon == std::string_view::npos ? std::string_view() : text.substr(colon);
  }
  if (!rest.empty()) out.port = rest.substr(1);
  return out;
}

std::optional<std::uint16_t> default_port(std::string_view scheme) {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  return std::nullopt;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text) {
  const std::optional<Quantity> q = split_quantity(text);
  if (!q) return std::nullopt;
  const std::optional<std::uint64_t> multiplier =
      q->unit.empty() ? std::optional<std::uint64_t>(1) : size_multiplier(q->unit);
  if (!multiplier) return std::nullopt;
  // "1.5" or "1.5B" would be a fraction of a byte: almost certainly a missing unit.
  if (!q->fraction.empty() && *multiplier == 1) return std::nullopt;
  const std::optional<Scaled> scaled = scale(*q, *multiplier);
  if (!scaled) return std::nullopt;
  // Fractions of larger units round down to whole bytes ("0.1MiB" = 104857).
  return static_cast<std::uint64_t>(scaled->numerator / scaled->denominator);
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  const std::optional<Quantity> q = split_quantity(text);
  if (!q) return std::nullopt;
  const std::optional<std::int64_t> multiplier = duration_multiplier(q->unit);
  if (!multiplier) return std::nullopt;
  const std::optional<Scaled> scaled = scale(*q, static_cast<std::uint64_t>(*multiplier));
  if (!scaled) return std::nullopt;
  // Sub-millisecond remainders are rejected rather than rounded: "0.5ms" silently becoming 0
  // would turn a timeout into "no timeout".
  if (scaled->numerator % scaled->denominator != 0) return std::nullopt;
  const u128 ms = scaled->numerator / scaled->denominator;
  if (ms > static_cast<u128>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

std::optional<ListenAddress> parse_listen(std::string_view text) {
  const std::optional<HostPort> parts = split_host_port(text);
  if (!parts || !parts->port) return std::nullopt;
  const std::optional<std::uint16_t> port = parse_port(*parts->port);
  if (!port) return std::nullopt;
  return ListenAddress{parts->host, *port};
}

std::optional<Url> parse_url(std::string_view text) {
  // Control characters, spaces and raw non-ASCII bytes are never valid in a URL.
  if (std::any_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte <= 0x20 || byte >= 0x7f;
      })) {
    return std::nullopt;
  }
  const std::size_t separator = text.find("://");
  if (separator == std::string_view::npos) return std::nullopt;
  Url url;
  url.scheme = ascii_lower(text.substr(0, separator));
  const std::optional<std::uint16_t> fallback_port = default_port(url.scheme);
  if (!fallback_port) return std::nullopt;

  const std::string_view rest = text.substr(separator + 3);
  // A fragment never reaches a server, so one in an upstream URL is a mistake.
  if (rest.find('#') != std::string_view::npos) return std::nullopt;
  const std::size_t authority_end = std::min(rest.find('/'), rest.find('?'));
  const std::string_view authority = rest.substr(0, authority_end);
  // Credentials in URLs end up in logs; Url has nowhere to keep them anyway.
  if (authority.find('@') != std::string_view::npos) return std::nullopt;

  const std::optional<HostPort> parts = split_host_port(authority);
  if (!parts || parts->host.empty()) return std::nullopt;
  url.host = parts->host;
  url.port = *fallback_port;
  if (parts->port) {
    const std::optional<std::uint16_t> port = parse_port(*parts->port);
    if (!port || *port == 0) return std::nullopt;
    url.port = *port;
  }

  const std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  url.path =
      target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
  return url;
}

std::optional<std::string> did_you_mean(std::string_view word,
                                        const std::vector<std::string>& candidates) {
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  const std::string* best = nullptr;
  std::size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = &candidate;
      best_distance = distance;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

std::map<std::string, std::string> process_environment() {
  constexpr std::string_view kPrefix = "EDGEWATCH_";
  std::map<std::string, std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view name = text.substr(0, equals);
    if (name.substr(0, kPrefix.size()) != kPrefix) continue;
    out.emplace(name, text.substr(equals + 1));
  }
  return out;
}

namespace internal {

// JSON's string escaping is also a valid TOML basic string (control characters and DEL as
// \uXXXX), and keeps what it quotes valid UTF-8.
std::string quote(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

std::string format_number(double value) {
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return std::string(buffer.data(), result.ptr);
}

std::string format_size(std::uint64_t bytes) {
  static constexpr std::array<std::pair<std::uint64_t, std::string_view>, 4> kUnits = {{
      {kKiB * kKiB * kKiB * kKiB, "TiB"},
      {kKiB * kKiB * kKiB, "GiB"},
      {kKiB * kKiB, "MiB"},
      {kKiB, "KiB"},
  }};
  if (bytes != 0) {
    for (const auto& [multiplier, name] : kUnits) {
      if (bytes % multiplier == 0) return std::to_string(bytes / multiplier) + std::string(name);
    }
  }
  return std::to_string(bytes);
}

std::string format_duration(std::chrono::milliseconds duration) {
  static constexpr std::array<std::pair<std::int64_t, std::string_view>, 4> kUnits = {{
      {24 * 60 * 60 * 1000, "d"},
      {60 * 60 * 1000, "h"},
      {60 * 1000, "m"},
      {1000, "s"},
  }};
  const std::int64_t ms = duration.count();
  if (ms == 0) return "0s";
  for (const auto& [multiplier, name] : kUnits) {
    if (ms % multiplier == 0) return std::to_string(ms / multiplier) + std::string(name);
  }
  return std::to_string(ms) + "ms";
}

bool is_cidr(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view address = text.substr(0, slash);
  const std::string_view length = text.substr(slash + 1);
  if (length.empty() || length.size() > 3) return false;
  if (!std::all_of(length.begin(), length.end(), is_digit)) return false;
  unsigned bits = 0;
  std::from_chars(length.data(), length.data() + length.size(), bits);
  if (is_ipv4(address)) return bits <= 32;
  if (is_ipv6(address)) return bits <= 128;
  return false;
}

}  // namespace internal
}  // namespace ew::config
