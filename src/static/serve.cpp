#include "static/serve.h"

#include <optional>
#include <string>

#include "static/conditional.h"
#include "static/encoding.h"
#include "static/http_date.h"
#include "static/mime.h"
#include "static/path.h"
#include "static/range_reply.h"
#include "static/text.h"

namespace ew::static_files {
namespace {

void set_body(Response& response, const Body& body) {
  if (body.zero_copy) {
    response.file_body = FileRegion{body.zero_copy, 0, body.size};
  } else if (body.in_memory()) {
    response.shared_body = body.memory;
  } else {
    response.file_body = FileRegion{body.fd, 0, body.size};
  }
}

Response full_reply(const ServeContext& ctx, const Variant& v) {
  Response response(200);
  response.add_header_block(v.headers.full(ctx.hsts));
  set_body(response, v.body);
  return response;
}

Response not_modified(const ServeContext& ctx, const Variant& v) {
  Response response(304);
  response.add_header_block(v.headers.not_modified(ctx.hsts));
  return response;
}

// RFC 9110 section 13.2.2, steps 1 to 4. Returns 0 when the request should proceed.
int evaluate_preconditions(const ServeContext& ctx, const Entry& entry, const Variant& v) {
  const RequestFields& f = ctx.fields;
  if (!f.if_match.empty()) {
    if (!if_match_hits(f.if_match, v.etag)) return 412;
  } else if (!f.if_unmodified_since.empty()) {
    std::optional<std::int64_t> date = parse_http_date(f.if_unmodified_since);
    if (date && entry.mtime > *date) return 412;
  }
  if (!f.if_none_match.empty()) {
    if (if_none_match_hits(f.if_none_match, v.etag)) return 304;
  } else if (!f.if_modified_since.empty()) {
    // Browsers echo Last-Modified verbatim, so a string compare settles most cases.
    if (f.if_modified_since == entry.last_modified) return 304;
    std::optional<std::int64_t> date = parse_http_date(f.if_modified_since);
    if (date && entry.mtime <= *date) return 304;
  }
  return 0;
}

// A query goes into Location as received; refuse one with bytes a header cannot carry.
bool valid_query(std::string_view query) {
  for (char ch : query) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

// Browsers send the same few Accept-Encoding values over and over, so each thread remembers
// the last one it parsed: a repeat costs a compare instead of a parse.
AcceptedEncodings accepted_encodings(const RequestFields& f) {
  if (!f.has_accept_encoding) return parse_accept_encoding({}, false);
  thread_local std::string last;
  thread_local AcceptedEncodings last_result = parse_accept_encoding({}, true);
  if (f.accept_encoding != last) {
    last.assign(f.accept_encoding);
    last_result = parse_accept_encoding(f.accept_encoding, true);
  }
  return last_result;
}

bool excluded_from_fallback(std::string_view path, const StaticOptions& options) {
  if (path == "/.well-known" || path.starts_with("/.well-known/")) return true;
  for (const std::string& prefix : options.fallback_exclude) {
    if (path.starts_with(prefix)) return true;
    // "/api/" also covers "/api" itself.
    if (prefix.ends_with('/') && path == std::string_view(prefix).substr(0, prefix.size() - 1)) {
      return true;
    }
  }
  return false;
}

// A client-side route has no file extension; a missing "/assets/app-1a2b3c4d.js" is a real
// 404 (serving HTML there is the classic "Unexpected token <" after a deploy).
bool fallback_applies(const ServeContext& ctx, std::string_view path) {
  return ctx.options.spa_fallback && ctx.snapshot.fallback != nullptr &&
         file_extension(path).empty() && !excluded_from_fallback(path, ctx.options) &&
         accepts_html(ctx.fields.accept, ctx.fields.has_accept);
}

Response redirect_to_directory(const ServeContext& ctx, std::string_view path) {
  Response response(301);
  std::string location = encode_path(path);
  location.push_back('/');
  std::string_view query = ctx.request.query;
  if (!query.empty() && valid_query(query)) {
    location.push_back('?');
    location.append(query);
  }
  response.add_header("Location", location);
  response.add_header("Cache-Control", ctx.options.default_cache_control);
  response.add_header_block(ctx.snapshot.error_headers.full(ctx.hsts));
  return response;
}

}  // namespace

RequestFields scan_fields(const Request& request) {
  RequestFields f;
  auto take = [](std::string_view& slot, std::string_view value) {
    if (slot.empty()) slot = value;
  };
  for (const HeaderField& h : request.headers()) {
    std::string_view n = h.name;
    switch (n.size()) {
      case 5:
        if (iequals(n, "Range")) take(f.range, h.value);
        break;
      case 6:
        if (iequals(n, "Accept") && !f.has_accept) {
          f.accept = h.value;
          f.has_accept = true;
        }
        break;
      case 8:
        if (iequals(n, "If-Match")) take(f.if_match, h.value);
        if (iequals(n, "If-Range")) take(f.if_range, h.value);
        break;
      case 13:
        if (iequals(n, "If-None-Match")) take(f.if_none_match, h.value);
        break;
      case 15:
        if (iequals(n, "Accept-Encoding") && !f.has_accept_encoding) {
          f.accept_encoding = h.value;
          f.has_accept_encoding = true;
        }
        break;
      case 17:
        if (iequals(n, "If-Modified-Since")) take(f.if_modified_since, h.value);
        if (iequals(n, "X-Forwarded-Proto")) take(f.forwarded_proto, h.value);
        break;
      case 19:
        if (iequals(n, "If-Unmodified-Since")) take(f.if_unmodified_since, h.value);
        break;
      default:
        break;
    }
  }
  return f;
}

bool accepts_html(std::string_view accept, bool present) {
  accept = trim_ows(accept);
  if (!present || accept.empty()) return true;
  int best = -1;  // specificity of the best match so far: 2 text/html, 1 text/*, 0 */*
  std::uint16_t best_q = 0;
  while (!accept.empty()) {
    std::string_view element = next_element(accept, ',');
    std::size_t semi = element.find(';');
    std::string_view range = trim_ows(element.substr(0, semi));
    int specificity = iequals(range, "text/html") ? 2
                      : iequals(range, "text/*")  ? 1
                      : range == "*/*"            ? 0
                                                  : -1;
    if (specificity <= best) continue;
    std::optional<std::uint16_t> q = element_quality(
        semi == std::string_view::npos ? std::string_view() : element.substr(semi + 1));
    if (!q) continue;
    best = specificity;
    best_q = *q;
  }
  return best >= 0 && best_q > 0;
}

bool wants_hsts(const Request& request, const RequestFields& fields, const StaticOptions& options,
                const CidrSet& trusted_proxies) {
  if (options.security.hsts.empty()) return false;
  // Over TLS the server's head writer adds [tls] hsts to every answer, this one included.
  if (request.secure) return false;
  if (fields.forwarded_proto.empty() || trusted_proxies.empty()) return false;
  // The first value is the scheme the client used at the outermost proxy.
  std::string_view proto = fields.forwarded_proto;
  proto = trim_ows(next_element(proto, ','));
  return iequals(proto, "https") && trusted_proxies.contains(request.peer_address);
}

Response error_reply(const ServeContext& ctx, int status, std::string_view code,
                     std::string_view message) {
  Response response = error_response(status, code, message, ctx.request.request_id);
  response.add_header_block(ctx.snapshot.error_headers.full(ctx.hsts));
  return response;
}

Response serve_entry(const ServeContext& ctx, const Entry& entry) {
  const RequestFields& f = ctx.fields;
  AcceptedEncodings accepted = accepted_encodings(f);
  Encoding chosen = choose_encoding(accepted, entry.available);
  // Ranges are cut from the identity bytes only (as nginx does): offsets into a compressed
  // stream are useless to a client that resumes a download or seeks in a video.
  bool ranged = ctx.request.method == Method::kGet && !f.range.empty() &&
                (chosen == Encoding::kIdentity || accepted.accepts(Encoding::kIdentity));
  const Variant& identity = entry.variant(Encoding::kIdentity);
  if (ranged && !f.if_range.empty()) {
    ranged = if_range_holds(f.if_range, identity.etag, entry.mtime);
  }
  const Variant& v = ranged ? identity : entry.variant(chosen);
  switch (evaluate_preconditions(ctx, entry, v)) {
    case 304:
      return not_modified(ctx, v);
    case 412:
      return error_reply(ctx, 412, "precondition_failed", "precondition failed");
    default:
      break;
  }
  if (ranged) {
    if (std::optional<Response> partial = range_reply(ctx, entry, v)) return std::move(*partial);
  }
  return full_reply(ctx, v);
}

Response serve_path(const ServeContext& ctx, std::string_view path) {
  if (!ctx.options.allow_dotfiles && has_hidden_segment(path)) {
    return error_reply(ctx, 404, "not_found", "no such file");
  }
  const PathMap& files = ctx.snapshot.files;
  if (auto it = files.find(path); it != files.end()) return serve_entry(ctx, *it->second);
  if (!path.ends_with('/') && ctx.snapshot.index_dirs.contains(path)) {
    return redirect_to_directory(ctx, path);
  }
  if (fallback_applies(ctx, path)) return serve_entry(ctx, *ctx.snapshot.fallback);
  return error_reply(ctx, 404, "not_found", "no such file");
}

}  // namespace ew::static_files
