// Entity-tag comparison for conditional requests (RFC 9110 sections 8.8.3 and 13.1), shared by
// every module that answers with an ETag.
#pragma once

#include <string_view>

namespace ew {

// If-None-Match: true when the list is "*" or holds a tag equal to `etag` under weak
// comparison (a W/ prefix on either side is ignored). A malformed list never matches.
bool if_none_match_hits(std::string_view header, std::string_view etag);

// If-Match: true when the list is "*" or holds a tag equal to `etag` under strong comparison
// (weak tags never match).
bool if_match_hits(std::string_view header, std::string_view etag);

}  // namespace ew
