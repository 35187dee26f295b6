#include "server/http1_head.h"

#include <charconv>

#include "core/http.h"

namespace ew::detail {
namespace {

void append_number(std::string& out, std::uint64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

}  // namespace

void begin_head(std::string& out, const HeadFacts& facts) {
  out += "HTTP/1.1 ";
  append_number(out, static_cast<std::uint64_t>(facts.status));
  out += ' ';
  out += facts.reason.empty() ? reason_phrase(facts.status) : facts.reason;
  out += "\r\n";
  out += date_header_line();
  switch (facts.framing) {
    case Framing::kLength:
      out += "Content-Length: ";
      append_number(out, facts.length);
      out += "\r\n";
      break;
    case Framing::kChunked:
      out += "Transfer-Encoding: chunked\r\n";
      break;
    default:
      break;
  }
  if (facts.framing == Framing::kUpgrade) {
    out += "Connection: upgrade\r\n";
  } else if (!facts.keep_alive || facts.framing == Framing::kUntilClose) {
    out += "Connection: close\r\n";
  } else if (facts.version == 10) {
    out += "Connection: keep-alive\r\n";
  }
  if (!facts.request_id.empty()) append_field(out, "X-Request-Id", facts.request_id);
  if (!facts.hsts.empty()) append_field(out, "Strict-Transport-Security", facts.hsts);
}

}  // namespace ew::detail

namespace ew::detail {

bool status_has_body(int status) {
  return status >= 200 && status != 204 && status != 304;
}

bool append_response_head(std::string& out, const Response& response, const ReplyFacts& facts) {
  bool keep_alive = facts.keep_alive && !response.close_connection;
  HeadFacts head{.status = response.status,
                 .reason = {},
                 .framing = status_has_body(response.status) ? Framing::kLength : Framing::kNone,
                 .length = response.body_size(),
                 .keep_alive = keep_alive,
                 .version = facts.version,
                 .request_id = facts.request_id,
                 .hsts = facts.hsts};
  begin_head(out, head);
  out += response.header_lines();
  out += response.shared_headers.bytes;
  end_head(out);
  return keep_alive;
}

}  // namespace ew::detail
