// Entity-tag comparison for conditional requests (RFC 9110 sections 8.8.3 and 13.1).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/etag.h"

namespace ew::static_files {

// The entity-tag lists, as every module compares them.
using ::ew::if_match_hits;
using ::ew::if_none_match_hits;

// If-Range: true when the Range may be honoured. An entity-tag must match `etag` strongly; an
// HTTP date must equal the representation's Last-Modified exactly (a date is only a strong
// validator when it is the exact modification time). Anything else fails, so the whole
// representation is sent, which is always safe.
bool if_range_holds(std::string_view header, std::string_view etag, std::int64_t mtime);

}  // namespace ew::static_files
