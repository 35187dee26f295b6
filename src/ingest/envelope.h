// Sentry envelope framing (develop.sentry.dev transport/envelopes): a header line, then items,
// each an item header line and a payload. A payload with an explicit `length` is exactly that
// many bytes followed by '\n' or the end; without one it runs to the next '\n' or the end (the
// JS SDK writes JSON items without length and no trailing newline). Reading the `length` needs
// JSON, which the caller supplies, so this file stays free of the JSON parser.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ew::ingest {

struct EnvelopeItem {
  std::string_view header;  // the item header line (JSON)
  std::string_view payload;
};

struct EnvelopeFrames {
  std::string_view header;  // the envelope header line (JSON)
  std::vector<EnvelopeItem> items;
};

struct ItemLength {
  bool valid = true;                  // the header line is a JSON object
  std::optional<std::size_t> length;  // its "length", when present and well-formed
  // Why a present "length" is unusable (not a non-negative integer), e.g. "is negative (-1)";
  // empty when it is usable or absent. The whole envelope is then refused: guessing where a
  // payload ends would read the next item's bytes as this one's.
  std::string problem;
};
using ItemLengthReader = std::function<ItemLength(std::string_view item_header)>;

// False with `error` (which item, counted from 0, what is wrong and at which byte) when the
// framing is malformed, including a "length" that is not a non-negative integer or that points
// beyond the end of the envelope.
bool split_envelope(std::string_view body, const ItemLengthReader& read_length,
                    std::size_t max_items, EnvelopeFrames& out, std::string& error);

}  // namespace ew::ingest
