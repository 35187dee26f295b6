#include "static/headers.h"

#include <memory>

namespace ew::static_files {
namespace {

void add_line(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty() || !valid_header_value(value)) return;
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

}  // namespace

bool valid_header_value(std::string_view value) {
  for (char ch : value) {
    unsigned char c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

SecurityLines format_security_lines(const SecurityHeaders& h) {
  SecurityLines out;
  // nosniff is not configurable: without it a browser may run an uploaded text file as script.
  add_line(out.lines, "X-Content-Type-Options", "nosniff");
  add_line(out.lines, "Content-Security-Policy", h.content_security_policy);
  add_line(out.lines, "X-Frame-Options", h.frame_options);
  add_line(out.lines, "Referrer-Policy", h.referrer_policy);
  add_line(out.lines, "Permissions-Policy", h.permissions_policy);
  add_line(out.lines, "Cross-Origin-Opener-Policy", h.cross_origin_opener_policy);
  add_line(out.hsts, "Strict-Transport-Security", h.hsts);
  return out;
}

HeaderBlock build_variant_headers(const VariantHeaderInputs& in, const SecurityLines& security) {
  std::string text;
  text.reserve(256 + security.lines.size() + security.hsts.size());
  add_line(text, "Content-Type", in.content_type);
  if (in.encoding != Encoding::kIdentity) {
    add_line(text, "Content-Encoding", encoding_token(in.encoding));
  } else {
    // Ranges are served from the identity variant only, so only it advertises them.
    add_line(text, "Accept-Ranges", "bytes");
  }
  std::size_t validators_at = text.size();
  add_line(text, "ETag", in.etag);
  add_line(text, "Last-Modified", in.last_modified);
  add_line(text, "Cache-Control", in.cache_control);
  add_line(text, "Vary", in.vary);
  text.append(security.lines);
  std::size_t hsts_at = text.size();
  text.append(security.hsts);
  HeaderBlock block;
  block.text = std::make_shared<const std::string>(std::move(text));
  block.validators_at = validators_at;
  block.hsts_at = hsts_at;
  return block;
}

HeaderBlock build_error_headers(const SecurityLines& security) {
  HeaderBlock block;
  block.text = std::make_shared<const std::string>(security.lines + security.hsts);
  block.validators_at = 0;
  block.hsts_at = security.lines.size();
  return block;
}

}  // namespace ew::static_files
