#include "ingest/body.h"

#include <brotli/decode.h>
#include <zlib.h>

#include <vector>

#include "ingest/text.h"

namespace ew::ingest {
namespace {

constexpr std::size_t kChunk = 64 * 1024;

// window_bits: 15 + 32 auto-detects zlib and gzip headers; -15 is raw deflate.
DecodeStatus zlib_decode(std::string_view in, int window_bits, std::size_t max_size,
                         std::string& out, std::string& message) {
  z_stream zs{};
  if (inflateInit2(&zs, window_bits) != Z_OK) {
    message = "cannot initialise zlib";
    return DecodeStatus::kCorrupt;
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  out.clear();
  int rc = Z_OK;
  DecodeStatus status = DecodeStatus::kOk;
  while (rc != Z_STREAM_END) {
    const std::size_t before = out.size();
    if (before >= max_size + 1) {
      status = DecodeStatus::kTooLarge;
      break;
    }
    const std::size_t room = std::min(kChunk, max_size + 1 - before);
    out.resize(before + room);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + before);
    zs.avail_out = static_cast<uInt>(room);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(before + (room - zs.avail_out));
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && !(rc == Z_BUF_ERROR && zs.avail_out == 0)) {
      status = DecodeStatus::kCorrupt;
      message = std::string("corrupt compressed body: ") + (zs.msg ? zs.msg : "truncated data");
      break;
    }
    if (zs.avail_in == 0 && zs.avail_out != 0) {
      status = DecodeStatus::kCorrupt;
      message = "corrupt compressed body: truncated data";
      break;
    }
  }
  inflateEnd(&zs);
  if (status == DecodeStatus::kOk && out.size() > max_size) status = DecodeStatus::kTooLarge;
  if (status == DecodeStatus::kTooLarge) {
    message = "decompressed body exceeds the limit of " + std::to_string(max_size) + " bytes";
  }
  return status;
}

DecodeStatus brotli_decode(std::string_view in, std::size_t max_size, std::string& out,
                           std::string& message) {
  BrotliDecoderState* state = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (!state) {
    message = "cannot initialise brotli";
    return DecodeStatus::kCorrupt;
  }
  const auto* next_in = reinterpret_cast<const std::uint8_t*>(in.data());
  std::size_t avail_in = in.size();
  out.clear();
  DecodeStatus status = DecodeStatus::kOk;
  for (;;) {
    const std::size_t before = out.size();
    if (before > max_size) {
      status = DecodeStatus::kTooLarge;
      break;
    }
    const std::size_t room = std::min(kChunk, max_size + 1 - before);
    out.resize(before + room);
    auto* next_out = reinterpret_cast<std::uint8_t*>(out.data() + before);
    std::size_t avail_out = room;
    BrotliDecoderResult r =
        BrotliDecoderDecompressStream(state, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    out.resize(before + (room - avail_out));
    if (r == BROTLI_DECODER_RESULT_SUCCESS) break;
    if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) continue;
    status = DecodeStatus::kCorrupt;
    message = r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT
                  ? "corrupt compressed body: truncated brotli data"
                  : std::string("corrupt compressed body: ") +
                        BrotliDecoderErrorString(BrotliDecoderGetErrorCode(state));
    break;
  }
  BrotliDecoderDestroyInstance(state);
  if (status == DecodeStatus::kOk && out.size() > max_size) status = DecodeStatus::kTooLarge;
  if (status == DecodeStatus::kTooLarge) {
    message = "decompressed body exceeds the limit of " + std::to_string(max_size) + " bytes";
  }
  return status;
}

}  // namespace

DecodeStatus inflate_capped(std::string_view data, std::size_t max_size, std::string& out,
                            std::string& message) {
  return zlib_decode(data, 15 + 32, max_size, out, message);
}

DecodeStatus decode_body(std::string_view content_encoding, std::string_view body,
                         std::size_t max_size, std::string& out, std::string& message) {
  std::vector<std::string> codings;
  std::size_t pos = 0;
  while (pos <= content_encoding.size()) {
    std::size_t comma = content_encoding.find(',', pos);
    if (comma == std::string_view::npos) comma = content_encoding.size();
    std::string coding = ascii_lower(trim_space(content_encoding.substr(pos, comma - pos)));
    if (!coding.empty() && coding != "identity") codings.push_back(std::move(coding));
    pos = comma + 1;
  }
  if (codings.size() > 2) {
    message = "more than two content codings";
    return DecodeStatus::kUnsupported;
  }
  std::string current(body);
  if (codings.empty() && current.size() > max_size) {
    message = "body exceeds the limit of " + std::to_string(max_size) + " bytes";
    return DecodeStatus::kTooLarge;
  }
  // Applied in the order listed, so decoded from the last to the first.
  for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
    std::string next;
    DecodeStatus status;
    if (*it == "gzip" || *it == "x-gzip") {
      status = zlib_decode(current, 15 + 16, max_size, next, message);
    } else if (*it == "deflate") {
      // RFC 9110 says zlib-wrapped; some clients send raw deflate. Try both.
      status = zlib_decode(current, 15, max_size, next, message);
      if (status == DecodeStatus::kCorrupt)
        status = zlib_decode(current, -15, max_size, next, message);
    } else if (*it == "br") {
      status = brotli_decode(current, max_size, next, message);
    } else {
      message = "unsupported Content-Encoding \"" + *it + "\" (use gzip, deflate or br)";
      return DecodeStatus::kUnsupported;
    }
    if (status != DecodeStatus::kOk) return status;
    current = std::move(next);
  }
  out = std::move(current);
  return DecodeStatus::kOk;
}

std::string media_type(std::string_view content_type) {
  const std::size_t semi = content_type.find(';');
  return ascii_lower(trim_space(content_type.substr(0, semi)));
}

}  // namespace ew::ingest
