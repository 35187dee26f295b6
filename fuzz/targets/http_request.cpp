// One HTTP/1.1 request head, taken as edgewatch takes it: Beast's parser reads it, the request
// rules (core/request_rules.h) judge it, and the gateway writes the head its upstream receives.
// The checks are the properties an attacker would try to break: the parser and the rules agree
// on framing (no smuggling), an accepted path has no dot segment left, and the upstream head is
// well-formed, with exactly one Host and nothing the gateway answers itself.
#include <utility>  // Boost 1.74's Beast needs it first with g++ 12

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>

#include "check.h"
#include "core/request_rules.h"
#include "proxy/headers.h"

namespace http = boost::beast::http;

namespace {

bool is_dot_segment(std::string_view segment) {
  std::string decoded;
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '%' && i + 2 < segment.size() && segment[i + 1] == '2' &&
        (segment[i + 2] == 'e' || segment[i + 2] == 'E')) {
      decoded += '.';
      i += 2;
    } else {
      decoded += segment[i];
    }
  }
  return decoded == "." || decoded == "..";
}

void check_no_dot_segments(std::string_view path) {
  FUZZ_CHECK(!path.empty() && path.front() == '/');
  std::size_t start = 1;
  for (std::size_t i = 1; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      FUZZ_CHECK(!is_dot_segment(path.substr(start, i - start)));
      start = i + 1;
    }
  }
}

std::size_t count_lines_starting(std::string_view head, std::string_view name) {
  std::size_t count = 0;
  for (std::size_t at = head.find("\r\n"); at != std::string_view::npos;
       at = head.find("\r\n", at + 2)) {
    std::string_view line = head.substr(at + 2);
    if (line.size() >= name.size() && ew::iequals(line.substr(0, name.size()), name)) ++count;
  }
  return count;
}

// The upstream head must read back as one request with exactly one Host and no Expect, and
// must frame its body the way the gateway will send it.
void check_upstream_head(std::string_view head, ew::proxy::BodyFraming framing) {
  http::request_parser<http::empty_body> parser;
  boost::system::error_code ec;
  std::size_t used = parser.put(boost::asio::buffer(head.data(), head.size()), ec);
  FUZZ_CHECK(!ec);
  FUZZ_CHECK(parser.is_header_done());
  FUZZ_CHECK(used == head.size());
  FUZZ_CHECK(count_lines_starting(head, "host:") == 1);
  FUZZ_CHECK(count_lines_starting(head, "expect:") == 0);
  FUZZ_CHECK(count_lines_starting(head, "transfer-encoding:") ==
             (framing == ew::proxy::BodyFraming::kChunked ? 1u : 0u));
  FUZZ_CHECK(parser.chunked() == (framing == ew::proxy::BodyFraming::kChunked));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec && ec != http::error::need_more) return 0;
  if (!parser.is_header_done()) return 0;

  const auto& message = parser.get();
  ew::Request request;
  auto method = message.method_string();
  request.method_name = {method.data(), method.size()};
  request.method = ew::parse_method(request.method_name);
  auto raw_target = message.target();
  request.target = {raw_target.data(), raw_target.size()};
  request.version = message.version();
  for (const auto& field : message) {
    request.mutable_headers().push_back({{field.name_string().data(), field.name_string().size()},
                                         {field.value().data(), field.value().size()}});
  }

  std::string rebuilt;
  if (auto absolute = ew::split_absolute_form(request.target)) {
    if (!ew::is_valid_host(absolute->authority)) return 0;
    FUZZ_CHECK(absolute->authority.find_first_of("/?#@ ") == std::string_view::npos);
    std::erase_if(request.mutable_headers(),
                  [](const ew::HeaderField& f) { return ew::iequals(f.name, "host"); });
    request.mutable_headers().push_back({"Host", absolute->authority});
    rebuilt = absolute->origin_form.empty() || absolute->origin_form.front() != '/'
                  ? "/" + std::string(absolute->origin_form)
                  : std::string(absolute->origin_form);
    request.target = rebuilt;
  }
  if (ew::check_framing(request)) return 0;
  // What the rules let through, Beast frames the same way: chunked exactly when Transfer-Encoding
  // is present (its last coding then is chunked), a length only without it.
  bool has_transfer_encoding = request.has_header("Transfer-Encoding");
  FUZZ_CHECK(parser.chunked() == has_transfer_encoding);
  if (has_transfer_encoding) FUZZ_CHECK(!parser.content_length());
  if (ew::check_host(request)) return 0;
  std::string_view host = request.header("Host");
  if (!host.empty()) FUZZ_CHECK(host.find_first_of("/?#@ \t\r\n") == std::string_view::npos);

  std::size_t q = request.target.find('?');
  std::string_view path = request.target.substr(0, q);
  std::string resolved;
  if (ew::resolve_dot_segments(path, ew::EscapedSlashes::kKeep, resolved)) return 0;
  if (!resolved.empty()) path = resolved;
  if (!path.empty() && path.front() == '/') check_no_dot_segments(path);
  if (path.empty() || path.front() != '/') return 0;
  std::string origin_form(path);
  if (q != std::string_view::npos) origin_form += request.target.substr(q);
  request.target = origin_form;
  request.path = path;

  std::string upstream_target = ew::proxy::rewrite_target(request.target, "/api/", "/");
  auto length = parser.content_length();
  ew::proxy::BodyFraming framing = parser.chunked()          ? ew::proxy::BodyFraming::kChunked
                                   : (length && *length > 0) ? ew::proxy::BodyFraming::kLength
                                                             : ew::proxy::BodyFraming::kNone;
  ew::proxy::ForwardContext context{.client_address = "203.0.113.7",
                                    .request_id = "fuzz",
                                    .upstream_authority = "127.0.0.1:8004"};
  std::string head = ew::proxy::upstream_request_head(request, upstream_target, context, framing,
                                                      length.value_or(0));
  check_upstream_head(head, framing);
  return 0;
}
