#include "core/etag.h"

#include "util/ascii.h"

namespace ew {
namespace {

struct TagMatch {
  bool malformed = false;
  bool any = false;           // "*"
  bool weak_match = false;    // equal opaque-tags, ignoring W/
  bool strong_match = false;  // equal and neither weak
};

// Compares every tag of an entity-tag list with `etag`. An opaque-tag may itself contain commas,
// so the list is scanned quote to quote rather than split on commas.
TagMatch scan_tags(std::string_view header, std::string_view etag) {
  TagMatch result;
  bool our_weak = etag.starts_with("W/");
  std::string_view our_opaque = our_weak ? etag.substr(2) : etag;
  std::string_view rest = trim_space(header);
  if (rest == "*") {
    result.any = true;
    return result;
  }
  while (!rest.empty()) {
    rest = trim_space(rest);
    if (rest.empty()) break;
    if (rest.front() == ',') {
      rest.remove_prefix(1);
      continue;
    }
    bool weak = rest.starts_with("W/");
    if (weak) rest.remove_prefix(2);
    if (rest.empty() || rest.front() != '"') {
      result.malformed = true;
      return result;
    }
    std::size_t close = rest.find('"', 1);
    if (close == std::string_view::npos) {
      result.malformed = true;
      return result;
    }
    std::string_view opaque = rest.substr(0, close + 1);
    rest.remove_prefix(close + 1);
    if (opaque == our_opaque) {
      result.weak_match = true;
      if (!weak && !our_weak) result.strong_match = true;
    }
  }
  return result;
}

}  // namespace

bool if_none_match_hits(std::string_view header, std::string_view etag) {
  if (header == etag) return true;  // the common case: a browser echoing our tag
  TagMatch m = scan_tags(header, etag);
  return !m.malformed && (m.any || m.weak_match);
}

bool if_match_hits(std::string_view header, std::string_view etag) {
  TagMatch m = scan_tags(header, etag);
  return !m.malformed && (m.any || m.strong_match);
}

}  // namespace ew
