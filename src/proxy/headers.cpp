#include "proxy/headers.h"

#include <array>

namespace ew::proxy {
namespace {

constexpr std::array<std::string_view, 9> kHopByHop = {
    "connection",        "keep-alive",         "proxy-connection",   "te", "trailer", "upgrade",
    "transfer-encoding", "proxy-authenticate", "proxy-authorization"};

// Whether `name` appears as a token in a comma-separated list such as Connection's value.
bool listed(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view token = list.substr(0, comma);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
      token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (iequals(token, name)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// The forwarded fields are set by the gateway, never passed through from the client, except
// X-Forwarded-For which is appended to.
bool replaced_by_gateway(std::string_view name) {
  return iequals(name, "x-forwarded-proto") || iequals(name, "x-forwarded-host") ||
         iequals(name, "x-real-ip") || iequals(name, "x-request-id") ||
         iequals(name, "x-forwarded-for") || iequals(name, "content-length") ||
         iequals(name, "expect") || iequals(name, "host");
}

}  // namespace

bool is_hop_by_hop(std::string_view name, std::string_view connection_field) {
  for (auto h : kHopByHop) {
    if (iequals(name, h)) return true;
  }
  return !connection_field.empty() && listed(connection_field, name);
}

std::string rewrite_target(std::string_view target, std::string_view prefix,
                           std::string_view replacement) {
  std::string out(replacement);
  std::string_view rest = target.starts_with(prefix) ? target.substr(prefix.size()) : target;
  if (!out.empty() && out.back() == '/' && !rest.empty() && rest.front() == '/') {
    rest.remove_prefix(1);
  }
  out += rest;
  if (out.empty() || out.front() != '/') out.insert(out.begin(), '/');
  return out;
}

std::string upstream_request_head(const Request& request, std::string_view target,
                                  const ForwardContext& context, BodyFraming framing,
                                  std::uint64_t length) {
  std::string head;
  head.reserve(512);
  head += request.method_name;
  head += ' ';
  head += target;
  head += " HTTP/1.1\r\n";
  std::string_view connection = request.header("Connection");
  std::string_view client_host = request.header("Host");
  std::string_view host = !context.configured_host.empty() ? context.configured_host
                          : !client_host.empty()           ? client_host
                                                           : context.upstream_authority;
  head.append("Host: ").append(host).append("\r\n");
  std::string_view forwarded_for;
  for (const auto& field : request.headers()) {
    if (iequals(field.name, "x-forwarded-for")) forwarded_for = field.value;
    if (context.websocket && (iequals(field.name, "upgrade"))) {
      head.append(field.name).append(": ").append(field.value).append("\r\n");
      continue;
    }
    if (is_hop_by_hop(field.name, connection) || replaced_by_gateway(field.name)) continue;
    head.append(field.name).append(": ").append(field.value).append("\r\n");
  }
  head += "X-Forwarded-For: ";
  if (!forwarded_for.empty()) head.append(forwarded_for).append(", ");
  head.append(context.peer_address.empty() ? context.client_address : context.peer_address)
      .append("\r\n");
  head.append("X-Real-IP: ").append(context.client_address).append("\r\n");
  head.append("X-Forwarded-Proto: ").append(context.secure ? "https" : "http").append("\r\n");
  if (!client_host.empty()) head.append("X-Forwarded-Host: ").append(client_host).append("\r\n");
  head.append("X-Request-Id: ").append(context.request_id).append("\r\n");
  if (context.websocket) {
    head += "Connection: upgrade\r\n";
  } else if (framing == BodyFraming::kLength) {
    head.append("Content-Length: ").append(std::to_string(length)).append("\r\n");
  } else if (framing == BodyFraming::kChunked) {
    head += "Transfer-Encoding: chunked\r\n";
  }
  head += "\r\n";
  return head;
}

bool is_websocket_upgrade(const Request& request) {
  return request.method == Method::kGet && iequals(request.header("Upgrade"), "websocket") &&
         listed(request.header("Connection"), "upgrade");
}

bool is_idempotent(Method method) {
  return method == Method::kGet || method == Method::kHead || method == Method::kOptions ||
         method == Method::kPut || method == Method::kDelete;
}

}  // namespace ew::proxy
