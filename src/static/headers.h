// Builds the pre-formatted header blocks of snapshot variants, once per load.
#pragma once

#include <string>
#include <string_view>

#include "static/encoding.h"
#include "static/options.h"
#include "static/snapshot.h"

namespace ew::static_files {

// The security header lines, formatted once per load.
struct SecurityLines {
  std::string lines;  // X-Content-Type-Options, CSP, X-Frame-Options, ...
  std::string hsts;   // "Strict-Transport-Security: ...\r\n" or empty
};
SecurityLines format_security_lines(const SecurityHeaders& headers);

struct VariantHeaderInputs {
  std::string_view content_type;
  Encoding encoding = Encoding::kIdentity;
  std::string_view etag;
  std::string_view last_modified;
  std::string_view cache_control;
  std::string_view vary;  // empty: no Vary line
};
HeaderBlock build_variant_headers(const VariantHeaderInputs& in, const SecurityLines& security);

// Security headers only, for errors and redirects (their own Content-Type comes with the body).
HeaderBlock build_error_headers(const SecurityLines& security);

// True when `value` may be written as a header value (no CR, LF or other control bytes).
bool valid_header_value(std::string_view value);

}  // namespace ew::static_files
