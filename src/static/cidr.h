// A set of address ranges, for "is this peer a trusted proxy".
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ew::static_files {

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

}  // namespace ew::static_files
