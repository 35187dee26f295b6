// 206 and 416 responses for Range requests on the identity variant.
#pragma once

#include <optional>

#include "core/http.h"
#include "static/serve.h"

namespace ew::static_files {

// The reply to the Range header in `ctx.fields.range` against `v`: 206 (one range, or
// multipart/byteranges for several), 416 when nothing is satisfiable, or nullopt when the
// Range header is to be ignored and the whole representation sent.
std::optional<Response> range_reply(const ServeContext& ctx, const Entry& entry, const Variant& v);

}  // namespace ew::static_files
