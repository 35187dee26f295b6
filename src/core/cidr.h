// A set of address ranges, for "is this peer a trusted proxy" or "may this network scrape".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ew {

class CidrSet {
 public:
  // Parses "10.0.0.0/8", "::1/128" or a bare address (a /32 or /128). nullopt with the bad
  // entry in `error` when one is malformed.
  static std::optional<CidrSet> parse(const std::vector<std::string>& entries, std::string* error);

  // True when `address` (textual IPv4 or IPv6, IPv4-mapped IPv6 included) is inside a range.
  bool contains(std::string_view address) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    std::array<std::uint8_t, 16> bytes{};  // IPv4 stored as IPv4-mapped IPv6
    int prefix = 0;                        // in IPv6 bits
  };
  std::vector<Range> ranges_;
};

// Whether `text` is a textual IPv4 or IPv6 address.
bool is_ip_address(std::string_view text);

// The client's address as the trusted proxies in front of edgewatch report it (as nginx's
// real_ip with real_ip_recursive): when the TCP peer is trusted, the rightmost address in
// X-Forwarded-For that is not itself a trusted proxy; otherwise the peer. An entry that is not
// an address ends the walk at the last good one, so a client cannot forge its way further in.
std::string_view client_behind_proxies(std::string_view peer, std::string_view forwarded_for,
                                       const CidrSet& trusted);

}  // namespace ew
