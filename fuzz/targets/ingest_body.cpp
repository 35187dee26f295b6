// Compressed request bodies (Content-Encoding gzip, deflate, br, and lists of them): a decoded
// body never exceeds its cap, however small the input that claims to expand. The first byte
// picks the Content-Encoding.
#include <array>

#include "check.h"
#include "ingest/body.h"

using namespace ew::ingest;

namespace {

constexpr std::array<std::string_view, 8> kEncodings = {"",   "identity", "gzip",   "deflate",
                                                        "br", "gzip, br", "x-gzip", "compress"};
constexpr std::size_t kCap = 64 * 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view encoding = kEncodings[data[0] % kEncodings.size()];
  std::string_view body = ew::fuzz::as_text(data + 1, size - 1);

  std::string out, message;
  DecodeStatus status = decode_body(encoding, body, kCap, out, message);
  if (status == DecodeStatus::kOk) {
    FUZZ_CHECK(out.size() <= kCap);
    if (encoding.empty() || encoding == "identity") FUZZ_CHECK(out == body);
  } else {
    FUZZ_CHECK(!message.empty());  // every refusal says why
  }

  std::string inflated, why;
  if (inflate_capped(body, kCap, inflated, why) == DecodeStatus::kOk) {
    FUZZ_CHECK(inflated.size() <= kCap);
  }
  (void)media_type(body);
  return 0;
}
