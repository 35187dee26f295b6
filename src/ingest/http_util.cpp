#include "ingest/http_util.h"

#include "ingest/body.h"
#include "ingest/normalize.h"
#include "ingest/text.h"

namespace ew::ingest {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

Response json_response(int status, std::string body) {
  Response response(status);
  response.set_body(std::move(body), "application/json");
  response.add_header("Cache-Control", "no-store");
  return response;
}

Response error_with_retry(int status, std::string_view code, std::string_view message,
                          std::string_view request_id, int retry_after_s) {
  Response response = error_response(status, code, message, request_id);
  if (retry_after_s > 0) response.add_header("Retry-After", std::to_string(retry_after_s));
  return response;
}

std::optional<std::string> query_param(std::string_view query, std::string_view name) {
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view item = query.substr(pos, amp - pos);
    const std::size_t eq = item.find('=');
    if (percent_decode(item.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? std::string() : percent_decode(item.substr(eq + 1));
    }
    pos = amp + 1;
  }
  return std::nullopt;
}

RequestInfo request_info(const Request& request) {
  RequestInfo info;
  info.received = now_ms();
  info.ua = parse_user_agent(request.header("User-Agent"));
  const std::string_view referer = request.header("Referer");
  if (!referer.empty()) info.page = normalize_page_path(referer);
  return info;
}

std::optional<std::string_view> decoded_body(const Request& request, std::size_t max_size,
                                             std::string& storage, int& status,
                                             std::string& message) {
  const std::string_view encoding = trim(request.header("Content-Encoding"));
  if (encoding.empty() || iequals(encoding, "identity")) {
    if (request.body.size() > max_size) {
      status = 413;
      message = "body of " + std::to_string(request.body.size()) + " bytes exceeds the limit of " +
                std::to_string(max_size);
      return std::nullopt;
    }
    return std::string_view(request.body);
  }
  switch (decode_body(encoding, request.body, max_size, storage, message)) {
    case DecodeStatus::kOk:
      return std::string_view(storage);
    case DecodeStatus::kTooLarge:
      status = 413;
      break;
    case DecodeStatus::kUnsupported:
      status = 415;
      break;
    case DecodeStatus::kCorrupt:
      status = 400;
      break;
  }
  return std::nullopt;
}

}  // namespace ew::ingest
