#include "ingest/http_util.h"

#include "ingest/body.h"
#include "ingest/normalize.h"
#include "ingest/text.h"
#include "util/time.h"

namespace ew::ingest {
namespace {}  // namespace

Response error_with_retry(int status, std::string_view code, std::string_view message,
                          std::string_view request_id, int retry_after_s) {
  Response response = error_response(status, code, message, request_id);
  if (retry_after_s > 0) response.add_header("Retry-After", std::to_string(retry_after_s));
  return response;
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
  const std::string_view encoding = trim_space(request.header("Content-Encoding"));
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
