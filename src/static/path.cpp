#include "static/path.h"

#include "util/hex.h"

namespace ew::static_files {
namespace {

bool forbidden_byte(unsigned char c) {
  return c < 0x20 || c == 0x7f || c == '\\';
}

// A path that needs no decoding and no segment rewriting can be used as received.
bool already_normal(std::string_view raw) {
  if (raw.empty() || raw[0] != '/') return false;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(raw[i]);
    if (c == '%' || c >= 0x80 || forbidden_byte(c) || c == ' ') return false;
    if (c != '/' || i + 1 == raw.size()) continue;
    std::string_view next = raw.substr(i + 1);
    if (next.starts_with("/") || next == "." || next.starts_with("./") || next == ".." ||
        next.starts_with("../")) {
      return false;
    }
  }
  return true;
}

// Decodes one raw segment onto `out`; false on a bad escape or a forbidden decoded byte.
bool decode_segment(std::string_view segment, std::string& out) {
  for (std::size_t i = 0; i < segment.size(); ++i) {
    char c = segment[i];
    if (c == '%') {
      if (i + 2 >= segment.size()) return false;
      int hi = hex_value(segment[i + 1]);
      int lo = hex_value(segment[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
      if (c == '/') return false;  // an encoded slash would split a name into two segments
    }
    if (forbidden_byte(static_cast<unsigned char>(c))) return false;
    out.push_back(c);
  }
  return true;
}

}  // namespace

PathVerdict normalize_path(std::string_view raw, std::string& scratch, std::string_view& out) {
  if (already_normal(raw)) {
    out = raw;
    return PathVerdict::kOk;
  }
  if (raw.empty() || raw[0] != '/') return PathVerdict::kBadRequest;
  scratch.clear();
  scratch.push_back('/');
  std::string_view rest = raw.substr(1);
  while (true) {
    std::size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    if (scratch.back() != '/') scratch.push_back('/');
    std::size_t start = scratch.size();
    if (!decode_segment(segment, scratch)) return PathVerdict::kBadRequest;
    std::string_view decoded = std::string_view(scratch).substr(start);
    if (decoded == "..") return PathVerdict::kBadRequest;
    if (decoded == ".") scratch.resize(start);
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  if (!valid_utf8(scratch)) return PathVerdict::kBadRequest;
  out = scratch;
  return PathVerdict::kOk;
}

bool has_hidden_segment(std::string_view path) {
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    if (path[i] != '/' || path[i + 1] != '.') continue;
    bool well_known = i == 0 && (path == "/.well-known" || path.starts_with("/.well-known/"));
    if (!well_known) return true;
  }
  return false;
}

bool valid_utf8(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int extra = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the first continuation byte
    if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c == 0xe0) lo = 0xa0;  // overlong
      if (c == 0xed) hi = 0x9f;  // UTF-16 surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c == 0xf0) lo = 0x90;  // overlong
      if (c == 0xf4) hi = 0x8f;  // beyond U+10FFFF
    } else {
      return false;  // stray continuation byte, C0/C1 overlong lead, or F5..FF
    }
    if (i + static_cast<std::size_t>(extra) >= bytes.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      unsigned char cc = static_cast<unsigned char>(bytes[i + static_cast<std::size_t>(k)]);
      unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xbf;
      if (cc < min || cc > max) return false;
    }
    i += static_cast<std::size_t>(extra) + 1;
  }
  return true;
}

std::string encode_path(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (char ch : path) {
    unsigned char c = static_cast<unsigned char>(ch);
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("-._~/!$&'()*+,;=:@").find(ch) != std::string_view::npos;
    if (keep) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace ew::static_files
