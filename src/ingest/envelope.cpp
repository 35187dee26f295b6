#include "ingest/envelope.h"

namespace ew::ingest {
namespace {

std::string item_at(std::size_t index, std::size_t byte) {
  return "item " + std::to_string(index) + " (at byte " + std::to_string(byte) + ")";
}

std::string beyond(std::size_t index, std::size_t byte, std::size_t length, std::size_t left) {
  return item_at(index, byte) + ": \"length\" " + std::to_string(length) +
         " points beyond the envelope (" + std::to_string(left) + " bytes follow its header)";
}

}  // namespace

bool split_envelope(std::string_view body, const ItemLengthReader& read_length,
                    std::size_t max_items, EnvelopeFrames& out, std::string& error) {
  out = {};
  if (body.empty()) {
    error = "empty envelope";
    return false;
  }
  std::size_t pos = body.find('\n');
  out.header = body.substr(0, pos);
  if (pos == std::string_view::npos) return true;  // a header alone is a valid envelope
  ++pos;
  while (pos < body.size()) {
    // Blank lines between items (or a trailing newline) carry nothing.
    if (body[pos] == '\n') {
      ++pos;
      continue;
    }
    if (out.items.size() >= max_items) {
      error = "more than " + std::to_string(max_items) + " items in the envelope";
      return false;
    }
    const std::size_t header_start = pos;
    const std::size_t index = out.items.size();
    std::size_t nl = body.find('\n', pos);
    EnvelopeItem item;
    item.header =
        body.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    ItemLength info = read_length(item.header);
    if (!info.valid) {
      error = item_at(index, header_start) + ": invalid item header (expected a JSON object)";
      return false;
    }
    if (!info.problem.empty()) {
      error = item_at(index, header_start) + ": \"length\" " + info.problem;
      return false;
    }
    if (nl == std::string_view::npos) {
      // Header at the very end: an empty payload, unless a length promised bytes.
      if (info.length.value_or(0) > 0) {
        error = beyond(index, header_start, *info.length, 0);
        return false;
      }
      out.items.push_back(item);
      break;
    }
    pos = nl + 1;
    if (info.length) {
      if (*info.length > body.size() - pos) {
        error = beyond(index, header_start, *info.length, body.size() - pos);
        return false;
      }
      item.payload = body.substr(pos, *info.length);
      pos += *info.length;
      if (pos < body.size()) {
        if (body[pos] != '\n') {
          error = item_at(index, header_start) + ": expected a newline after its payload at byte " +
                  std::to_string(pos);
          return false;
        }
        ++pos;
      }
    } else {
      const std::size_t end = body.find('\n', pos);
      item.payload =
          body.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
      pos = end == std::string_view::npos ? body.size() : end + 1;
    }
    out.items.push_back(item);
  }
  return true;
}

}  // namespace ew::ingest
