#include "server/http1_exchange.h"

#include <array>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include "net/framed_pieces.h"
#include "net/with_ec.h"

namespace ew::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

enum class FieldRole : std::uint8_t { kPassed, kWriters, kRequestId, kHsts };

// What the writer makes of a handler's field, by name, looking at the length first (one
// comparison for most fields): the writer's own (framing, Connection, Date) are dropped rather
// than repeated; X-Request-Id and Strict-Transport-Security given by the handler (an upstream)
// replace the writer's.
FieldRole field_role(std::string_view name) {
  switch (name.size()) {
    case 4:
      return iequals(name, "date") ? FieldRole::kWriters : FieldRole::kPassed;
    case 10:
      return iequals(name, "connection") || iequals(name, "keep-alive") ? FieldRole::kWriters
                                                                        : FieldRole::kPassed;
    case 12:
      return iequals(name, "x-request-id") ? FieldRole::kRequestId : FieldRole::kPassed;
    case 14:
      return iequals(name, "content-length") ? FieldRole::kWriters : FieldRole::kPassed;
    case 17:
      return iequals(name, "transfer-encoding") ? FieldRole::kWriters : FieldRole::kPassed;
    case 25:
      return iequals(name, "strict-transport-security") ? FieldRole::kHsts : FieldRole::kPassed;
    default:
      return FieldRole::kPassed;
  }
}

bool writer_owns(std::string_view name) {
  return field_role(name) == FieldRole::kWriters;
}

}  // namespace

struct Http1Exchange::HangupWatch {
  ew::net::ByteStream* stream;
  std::function<void()> on_hangup;
  bool stopped = false;
};

Http1Exchange::Http1Exchange(Http1Link link) : link_(link), keep_alive_(link.keep_alive) {
  body_done_ = !has_body();
}

Http1Exchange::~Http1Exchange() {
  stop_watching();
}

bool Http1Exchange::has_body() const {
  auto declared = link_.parser.content_length();
  return link_.parser.chunked() || (declared && *declared > 0);
}

std::optional<std::uint64_t> Http1Exchange::length() const {
  if (link_.parser.chunked()) return std::nullopt;
  return link_.parser.content_length().value_or(0);
}

// Unless the whole body is already buffered, reads the client's socket once, directly: a FIN
// that came with the request raises no later epoll event (see net/read_hints.h), so a read that
// only waited would wait for the deadline. True when the client has ended its side.
bool Http1Exchange::look_at_client() {
  auto remaining = body_parser_->content_length_remaining();
  if (remaining && link_.buffer.size() >= *remaining) return false;
  error_code ec;
  std::size_t n = link_.stream.read_now(link_.buffer.prepare(16384), ec);
  if (!ec) link_.buffer.commit(n);
  return ec && ec != asio::error::would_block && ec != asio::error::try_again;
}

asio::awaitable<BodyPiece> Http1Exchange::read(std::span<char> into) {
  if (body_done_) co_return BodyPiece{};
  if (!body_parser_) {
    const Request& request = link_.request;
    if (request.version >= 11 && iequals(request.header("Expect"), "100-continue")) {
      error_code ec;
      co_await asio::async_write(link_.stream,
                                 asio::buffer(kContinueResponse.data(), kContinueResponse.size()),
                                 with_ec(ec));
      if (ec) co_return BodyPiece{0, BodyStatus::kClientGone, {}};
    }
    body_parser_ = std::make_unique<BodyParser>(std::move(link_.parser));
    body_parser_->body_limit(link_.body_limit);
    client_ended_ = look_at_client();
  }
  for (;;) {
    if (client_ended_ && link_.buffer.size() == 0) {
      co_return BodyPiece{0, BodyStatus::kClientGone, {}};
    }
    body_parser_->get().body().data = into.data();
    body_parser_->get().body().size = into.size();
    error_code ec;
    co_await http::async_read_some(link_.stream, link_.buffer, *body_parser_, with_ec(ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::body_limit) co_return BodyPiece{0, BodyStatus::kTooLarge, {}};
    if (ec) {
      // A body that breaks HTTP/1.1's framing gets its 400; one cut short means the client left.
      bool malformed = ec.category() == error_code(http::error::bad_chunk).category() &&
                       ec != http::error::partial_message && ec != http::error::end_of_stream;
      if (malformed) co_return BodyPiece{0, BodyStatus::kMalformed, ec.message()};
      co_return BodyPiece{0, BodyStatus::kClientGone, {}};
    }
    std::size_t n = into.size() - body_parser_->get().body().size;
    body_done_ = body_parser_->is_done();
    if (n > 0 || body_done_) co_return BodyPiece{n, BodyStatus::kOk, {}};
  }
}

void Http1Exchange::format_head(const ResponseHead& head, Framing framing) {
  link_.head.clear();
  begin_head(link_.head, HeadFacts{.status = head.status,
                                   .reason = head.reason,
                                   .framing = framing,
                                   .length = head.content_length.value_or(0),
                                   .keep_alive = keep_alive_,
                                   .version = link_.request.version,
                                   .request_id = {},
                                   .hsts = {}});
  bool has_request_id = false;
  bool has_hsts = false;
  for (const HeaderField& field : head.fields) {
    FieldRole role = field_role(field.name);
    if (role == FieldRole::kWriters) continue;
    has_request_id = has_request_id || role == FieldRole::kRequestId;
    has_hsts = has_hsts || role == FieldRole::kHsts;
    append_field(link_.head, field.name, field.value);
  }
  if (!has_request_id) append_field(link_.head, "X-Request-Id", link_.request.request_id);
  if (!has_hsts && !link_.hsts.empty()) {
    append_field(link_.head, "Strict-Transport-Security", link_.hsts);
  }
  end_head(link_.head);
}

// Sends what the connection takes at once; false leaves `rest` to write asynchronously.
bool Http1Exchange::send_now(const ew::net::FramedPieces& pieces, std::optional<Rest>& rest) {
  error_code ec;
  bool settled = link_.stream.write_at_once(pieces.buffers(), rest, ec);
  if (ec) broken_ = true;
  return settled;
}

asio::awaitable<bool> Http1Exchange::interim(const ResponseHead& head) {
  if (link_.request.version < 11) co_return true;  // HTTP/1.0 has no interim answers
  std::string text;
  begin_head(text, HeadFacts{.status = head.status,
                             .reason = head.reason,
                             .framing = Framing::kNone,
                             .length = 0,
                             .keep_alive = true,
                             .version = 11,
                             .request_id = {},
                             .hsts = {}});
  for (const HeaderField& field : head.fields) {
    if (!writer_owns(field.name)) append_field(text, field.name, field.value);
  }
  end_head(text);
  error_code ec;
  co_await asio::async_write(link_.stream, asio::buffer(text), with_ec(ec));
  co_return !ec;
}

asio::awaitable<bool> Http1Exchange::start(const ResponseHead& head,
                                           std::span<const char> first_bytes) {
  started_ = true;
  status_ = head.status;
  bool no_body = link_.request.method == Method::kHead || !status_has_body(head.status);
  if (no_body) {
    framing_ = head.content_length && head.status != 304 ? Framing::kLength : Framing::kNone;
  } else if (head.content_length) {
    framing_ = Framing::kLength;
  } else {
    // An HTTP/1.0 client cannot read chunked framing: it gets the body until the close.
    framing_ = link_.request.version >= 11 ? Framing::kChunked : Framing::kUntilClose;
  }
  if (framing_ == Framing::kUntilClose || !body_done_) keep_alive_ = false;
  format_head(head, framing_);
  if (no_body) {
    finished_ = true;
    first_bytes = {};
  }
  ew::net::FramedPieces pieces(link_.head, first_bytes.data(), first_bytes.size(),
                               framing_ == Framing::kChunked);
  std::optional<Rest> rest;
  if (!send_now(pieces, rest)) {
    error_code ec;
    co_await asio::async_write(link_.stream, *rest, with_ec(ec));
    if (ec) broken_ = true;
  }
  if (!broken_) body_bytes_ += first_bytes.size();
  co_return !broken_;
}

asio::awaitable<bool> Http1Exchange::write(std::span<const char> bytes) {
  if (bytes.empty() || broken_) co_return !broken_;
  ew::net::FramedPieces pieces({}, bytes.data(), bytes.size(), framing_ == Framing::kChunked);
  std::optional<Rest> rest;
  if (!send_now(pieces, rest)) {
    error_code ec;
    co_await asio::async_write(link_.stream, *rest, with_ec(ec));
    if (ec) broken_ = true;
  }
  if (!broken_) body_bytes_ += bytes.size();
  co_return !broken_;
}

asio::awaitable<bool> Http1Exchange::finish() {
  if (finished_) co_return !broken_;
  finished_ = true;
  if (framing_ != Framing::kChunked) co_return !broken_;
  error_code ec;
  co_await asio::async_write(link_.stream, asio::buffer("0\r\n\r\n", 5), with_ec(ec));
  if (ec) broken_ = true;
  co_return !ec;
}

void Http1Exchange::abort() {
  broken_ = true;
  keep_alive_ = false;
  // Without its last chunk (or its remaining length) the client sees a broken answer, not an
  // end; closing also ends any read or write pending on the client's side.
  link_.stream.close();
}

asio::awaitable<bool> Http1Exchange::reply(Response response) {
  started_ = true;
  status_ = response.status;
  keep_alive_ = keep_alive_ && body_done_;
  link_.head.clear();
  keep_alive_ = append_response_head(
      link_.head, response,
      ReplyFacts{keep_alive_, link_.request.version, link_.request.request_id, link_.hsts});
  framing_ = Framing::kLength;
  finished_ = true;
  std::string_view body = link_.request.method == Method::kHead || !status_has_body(status_)
                              ? std::string_view{}
                              : std::string_view(response.body);
  error_code ec;
  co_await asio::async_write(link_.stream,
                             std::array<asio::const_buffer, 2>{
                                 asio::buffer(link_.head), asio::buffer(body.data(), body.size())},
                             with_ec(ec));
  if (ec) broken_ = true;
  if (!broken_) body_bytes_ += body.size();
  co_return !broken_;
}

asio::awaitable<Upgraded> Http1Exchange::upgrade(const ResponseHead& head) {
  started_ = true;
  finished_ = true;
  status_ = head.status;
  keep_alive_ = false;  // the connection is the tunnel's now
  framing_ = Framing::kUpgrade;
  format_head(head, Framing::kUpgrade);
  Upgraded upgraded;
  error_code ec;
  co_await asio::async_write(link_.stream, asio::buffer(link_.head), with_ec(ec));
  if (ec) {
    broken_ = true;
    co_return upgraded;
  }
  link_.head.clear();
  auto pending = link_.buffer.data();
  upgraded.pending.assign(static_cast<const char*>(pending.data()), pending.size());
  link_.buffer.consume(link_.buffer.size());
  link_.buffer.shrink_to_fit();
  upgraded.stream = &link_.stream;
  co_return upgraded;
}

void Http1Exchange::watch_hangup(std::function<void()> on_hangup) {
  if (link_.buffer.size() > 0 || watch_) return;  // a pipelined request is already here
  watch_ = std::make_shared<HangupWatch>(HangupWatch{&link_.stream, std::move(on_hangup)});
  link_.stream.async_wait_readable([watch = watch_](const error_code& ec) {
    if (ec || watch->stopped) return;
    // Bytes instead of a FIN (a pipelined request, a TLS record) stop the watch silently.
    if (watch->stream->peek() == Peeked::kClosed) {
      watch->stopped = true;
      watch->on_hangup();
    }
  });
}

void Http1Exchange::stop_watching() {
  if (!watch_) return;
  if (!watch_->stopped) {
    watch_->stopped = true;
    // Nothing else is pending on the client's side while the handler waits elsewhere, so
    // cancelling ends only the watch.
    link_.stream.cancel();
  }
  watch_.reset();
}

bool Http1Exchange::reusable() const {
  return keep_alive_ && finished_ && !broken_ && body_done_;
}

}  // namespace ew::detail
