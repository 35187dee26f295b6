#include "core/cidr.h"

#include "util/ascii.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace ew {
namespace {

constexpr int kMappedPrefix = 96;  // ::ffff:a.b.c.d carries IPv4 in the last 32 bits

// Parses an address into IPv6 form; `v4` tells whether it was IPv4.
bool parse_address(std::string_view text, std::array<std::uint8_t, 16>& out, bool& v4) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.size() >= sizeof buf) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  in_addr a4;
  if (inet_pton(AF_INET, buf, &a4) == 1) {
    out.fill(0);
    out[10] = out[11] = 0xff;
    std::memcpy(&out[12], &a4, 4);
    v4 = true;
    return true;
  }
  in6_addr a6;
  if (inet_pton(AF_INET6, buf, &a6) == 1) {
    std::memcpy(out.data(), &a6, 16);
    v4 = false;
    return true;
  }
  return false;
}

bool prefix_equal(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b,
                  int bits) {
  int full = bits / 8;
  if (std::memcmp(a.data(), b.data(), static_cast<std::size_t>(full)) != 0) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[static_cast<std::size_t>(full)] & mask) == (b[static_cast<std::size_t>(full)] & mask);
}

}  // namespace

std::optional<CidrSet> CidrSet::parse(const std::vector<std::string>& entries, std::string* error) {
  CidrSet set;
  for (const std::string& entry : entries) {
    std::string_view text = entry;
    std::size_t slash = text.find('/');
    Range range;
    bool v4 = false;
    if (!parse_address(text.substr(0, slash), range.bytes, v4)) {
      if (error) *error = entry;
      return std::nullopt;
    }
    int max = v4 ? 32 : 128;
    int prefix = max;
    if (slash != std::string_view::npos) {
      std::string_view digits = text.substr(slash + 1);
      const char* end = digits.data() + digits.size();
      auto [ptr, ec] = std::from_chars(digits.data(), end, prefix);
      if (digits.empty() || ec != std::errc() || ptr != end || prefix < 0 || prefix > max) {
        if (error) *error = entry;
        return std::nullopt;
      }
    }
    range.prefix = v4 ? prefix + kMappedPrefix : prefix;
    set.ranges_.push_back(range);
  }
  return set;
}

bool CidrSet::contains(std::string_view address) const {
  std::array<std::uint8_t, 16> bytes;
  bool v4 = false;
  if (!parse_address(address, bytes, v4)) return false;
  for (const Range& range : ranges_) {
    if (prefix_equal(bytes, range.bytes, range.prefix)) return true;
  }
  return false;
}

bool is_ip_address(std::string_view text) {
  std::array<std::uint8_t, 16> bytes;
  bool v4 = false;
  return parse_address(text, bytes, v4);
}

std::string_view client_behind_proxies(std::string_view peer, std::string_view forwarded_for,
                                       const CidrSet& trusted) {
  if (trusted.empty() || forwarded_for.empty() || !trusted.contains(peer)) return peer;
  std::string_view client = peer;
  // From the right: each trusted hop vouches for the one before it, until the first untrusted.
  while (!forwarded_for.empty()) {
    std::size_t comma = forwarded_for.rfind(',');
    std::string_view hop =
        comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1);
    forwarded_for =
        comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
    hop = trim_space(hop);
    if (!is_ip_address(hop)) break;  // a forged or garbled entry: trust stops here
    client = hop;
    if (!trusted.contains(hop)) break;
  }
  return client;
}

}  // namespace ew
