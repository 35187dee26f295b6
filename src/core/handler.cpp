#include "core/handler.h"

namespace ew {

Responder& Responder::operator=(Responder&& other) noexcept {
  if (this != &other) {
    if (sink_) sink_->complete(Response(500));
    sink_ = std::move(other.sink_);
  }
  return *this;
}

Responder::~Responder() {
  // A handler that forgot to answer must not leave the client waiting forever.
  if (sink_) {
    sink_->complete(error_response(500, "internal_error", "the handler produced no response", ""));
  }
}

void Responder::send(Response&& response) {
  if (!sink_) return;
  auto sink = std::move(sink_);
  sink_.reset();
  sink->complete(std::move(response));
}

}  // namespace ew
