// Answers one request from a snapshot: path lookup, SPA fallback, content negotiation,
// conditional requests and ranges. Pure functions of (snapshot, options, request).
#pragma once

#include <string_view>

#include "core/cidr.h"
#include "core/http.h"
#include "static/options.h"
#include "static/snapshot.h"

namespace ew::static_files {

// The request headers this module reads, found in one pass over the header list.
struct RequestFields {
  std::string_view accept;
  std::string_view accept_encoding;
  std::string_view range;
  std::string_view if_range;
  std::string_view if_match;
  std::string_view if_none_match;
  std::string_view if_modified_since;
  std::string_view if_unmodified_since;
  std::string_view forwarded_proto;
  bool has_accept = false;
  bool has_accept_encoding = false;
};
RequestFields scan_fields(const Request& request);

struct ServeContext {
  const Snapshot& snapshot;
  const StaticOptions& options;
  const Request& request;
  const RequestFields& fields;
  bool hsts = false;  // add Strict-Transport-Security
};

// Everything after path normalization: lookup, redirect, fallback or 404.
Response serve_path(const ServeContext& ctx, std::string_view normalized_path);

// 200, 206, 304, 412 or 416 for one entry.
Response serve_entry(const ServeContext& ctx, const Entry& entry);

// A JSON error with the security headers.
Response error_reply(const ServeContext& ctx, int status, std::string_view code,
                     std::string_view message);

// Whether an Accept header lets the client take text/html (absent or empty: yes). The most
// specific matching range decides: text/html, then text/*, then */*; q=0 refuses.
bool accepts_html(std::string_view accept, bool present);

// HSTS for a request that reached edgewatch over plain HTTP from a trusted proxy saying the
// client used https; over TLS the server adds it to every answer.
bool wants_hsts(const Request& request, const RequestFields& fields, const StaticOptions& options,
                const CidrSet& trusted_proxies);

}  // namespace ew::static_files
