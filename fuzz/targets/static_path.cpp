// Request paths for the static edge: whatever normalize_path accepts must be a clean lookup key,
// one that cannot climb out of root, and must survive a round trip through encode_path.
#include "check.h"
#include "static/path.h"

using namespace ew::static_files;

namespace {

void check_normal(std::string_view path) {
  FUZZ_CHECK(!path.empty() && path.front() == '/');
  FUZZ_CHECK(valid_utf8(path));
  for (unsigned char c : path) FUZZ_CHECK(c >= 0x20 && c != 0x7f && c != '\\');
  // Segments: none is "." or "..", and only the last may be empty (a kept trailing slash).
  std::string_view rest = path.substr(1);
  while (!rest.empty()) {
    auto [segment, tail] = ew::fuzz::split_once(rest, '/');
    bool last = segment.size() == rest.size();
    FUZZ_CHECK(segment != "." && segment != "..");
    FUZZ_CHECK(!segment.empty() || last);
    rest = last ? std::string_view{} : tail;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view raw = ew::fuzz::as_text(data, size);
  std::string scratch;
  std::string_view normal;
  if (normalize_path(raw, scratch, normal) != PathVerdict::kOk) return 0;
  std::string kept(normal);  // `normal` may view `scratch`, which the next call reuses
  check_normal(kept);
  (void)has_hidden_segment(kept);

  // Encoding the key and normalizing again gives the same key: what a Location header built
  // from it points to is the file it was built for.
  std::string encoded = encode_path(kept);
  std::string again_scratch;
  std::string_view again;
  FUZZ_CHECK(normalize_path(encoded, again_scratch, again) == PathVerdict::kOk);
  FUZZ_CHECK(again == kept);
  return 0;
}
