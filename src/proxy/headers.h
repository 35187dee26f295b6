// Header rules of the gateway, free of sockets so they can be tested alone: which fields are
// hop-by-hop, how the target is rewritten, what the upstream request head looks like.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/http.h"

namespace ew::proxy {

// True for fields that describe one connection and never cross a proxy (RFC 9110 7.6.1),
// including any listed in the message's own Connection field.
bool is_hop_by_hop(std::string_view name, std::string_view connection_field);

// "/api/chat?x=1" with prefix "/api/" and replacement "/" gives "/chat?x=1".
std::string rewrite_target(std::string_view target, std::string_view prefix,
                           std::string_view replacement);

enum class BodyFraming : std::uint8_t { kNone, kLength, kChunked };

struct ForwardContext {
  std::string_view client_address = {};  // X-Real-IP
  std::string_view peer_address = {};    // appended to X-Forwarded-For: the hop edgewatch saw
  std::string_view request_id = {};
  bool secure = false;
  bool websocket = false;  // keep Upgrade and Connection: upgrade
  // Host sent upstream: a configured one when set, else the client's. An HTTP/1.0 client may
  // send none; the upstream then gets `upstream_authority` (its own host:port), never a guess.
  std::string_view configured_host = {};
  std::string_view upstream_authority = {};
};

// The request line and header block sent upstream, ending with the blank line. Expect is never
// forwarded: the gateway answers 100-continue itself when it is ready for the body.
std::string upstream_request_head(const Request& request, std::string_view target,
                                  const ForwardContext& context, BodyFraming framing,
                                  std::uint64_t length);

bool is_websocket_upgrade(const Request& request);
bool is_idempotent(Method method);

}  // namespace ew::proxy
