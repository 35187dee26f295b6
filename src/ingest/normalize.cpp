#include "ingest/normalize.h"

#include <cctype>
#include <vector>

#include "ingest/text.h"

namespace ew::ingest {
namespace {

bool is_word(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// Each matcher returns the length of its token at s[i], or 0. Scans are capped so that a hostile
// message costs O(n), not O(n^2).
std::size_t count_while(std::string_view s, std::size_t i, std::size_t cap, bool (*pred)(char)) {
  std::size_t n = 0;
  while (i + n < s.size() && n < cap && pred(s[i + n])) ++n;
  return n;
}

bool ends_word(std::string_view s, std::size_t end) {
  return end >= s.size() || !is_word(s[end]);
}

std::size_t match_url(std::string_view s, std::size_t i) {
  static constexpr std::string_view kSchemes[] = {"https://", "http://", "wss://", "ws://",
                                                  "ftp://"};
  for (std::string_view scheme : kSchemes) {
    if (starts_with_ci(s.substr(i), scheme)) {
      std::size_t n = scheme.size();
      while (i + n < s.size() &&
             std::string_view(" \t\r\n\"'<>()[]{}`").find(s[i + n]) == std::string_view::npos) {
        ++n;
      }
      // A trailing period or comma belongs to the sentence, not the URL.
      while (n > scheme.size() && (s[i + n - 1] == '.' || s[i + n - 1] == ',')) --n;
      return n;
    }
  }
  return 0;
}

std::size_t match_email(std::string_view s, std::size_t i) {
  auto local = [](char c) { return is_word(c) || c == '.' || c == '%' || c == '+' || c == '-'; };
  std::size_t n = count_while(s, i, 64, local);
  if (n == 0 || i + n >= s.size() || s[i + n] != '@') return 0;
  std::size_t d = count_while(s, i + n + 1, 253, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
  std::string_view domain = s.substr(i + n + 1, d);
  while (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  const std::size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos || domain.size() - dot < 3) return 0;
  return n + 1 + domain.size();
}

std::size_t match_uuid(std::string_view s, std::size_t i) {
  static constexpr int kGroups[] = {8, 4, 4, 4, 12};
  std::size_t n = 0;
  for (int g = 0; g < 5; ++g) {
    if (g > 0) {
      if (i + n >= s.size() || s[i + n] != '-') return 0;
      ++n;
    }
    if (count_while(s, i + n, kGroups[g], is_hex) != static_cast<std::size_t>(kGroups[g])) {
      return 0;
    }
    n += kGroups[g];
  }
  return ends_word(s, i + n) ? n : 0;
}

std::size_t match_date(std::string_view s, std::size_t i) {
  auto digits_at = [&](std::size_t at, std::size_t k) {
    return count_while(s, at, k, is_digit) == k;
  };
  if (!digits_at(i, 4) || i + 10 > s.size() || s[i + 4] != '-' || !digits_at(i + 5, 2) ||
      s[i + 7] != '-' || !digits_at(i + 8, 2)) {
    return 0;
  }
  std::size_t n = 10;
  if (i + n + 6 <= s.size() && (s[i + n] == 'T' || s[i + n] == ' ') && digits_at(i + n + 1, 2) &&
      s[i + n + 3] == ':' && digits_at(i + n + 4, 2)) {
    n += 6;
    if (i + n + 3 <= s.size() && s[i + n] == ':' && digits_at(i + n + 1, 2)) {
      n += 3;
      if (i + n < s.size() && s[i + n] == '.') {
        std::size_t f = count_while(s, i + n + 1, 9, is_digit);
        if (f > 0) n += 1 + f;
      }
    }
    if (i + n < s.size() && s[i + n] == 'Z') {
      ++n;
    } else if (i + n + 3 <= s.size() && (s[i + n] == '+' || s[i + n] == '-') &&
               digits_at(i + n + 1, 2)) {
      std::size_t k = 3;
      if (i + n + k < s.size() && s[i + n + k] == ':') ++k;
      if (digits_at(i + n + k, 2)) n += k + 2;
    }
  }
  return ends_word(s, i + n) ? n : 0;
}

std::size_t match_ipv4(std::string_view s, std::size_t i) {
  std::size_t n = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i + n >= s.size() || s[i + n] != '.') return 0;
      ++n;
    }
    std::size_t d = count_while(s, i + n, 3, is_digit);
    if (d == 0) return 0;
    if (std::stoi(std::string(s.substr(i + n, d))) > 255) return 0;
    n += d;
  }
  if (i + n < s.size() && (is_word(s[i + n]) || s[i + n] == '.')) return 0;
  return n;
}

std::size_t match_ipv6(std::string_view s, std::size_t i) {
  std::size_t n = count_while(s, i, 45, [](char c) { return is_hex(c) || c == ':'; });
  std::string_view token = s.substr(i, n);
  while (!token.empty() && token.back() == ':' && !token.ends_with("::")) token.remove_suffix(1);
  std::size_t colons = 0, digits = 0;
  for (char c : token) {
    colons += c == ':';
    digits += is_digit(c);
  }
  // "::" or a full eight-group form; "12:30:45" is a time, not an address.
  const bool compressed = token.find("::") != std::string_view::npos;
  if ((!compressed && colons < 7) || digits == 0 || token.size() < 3) return 0;
  return ends_word(s, i + token.size()) ? token.size() : 0;
}

std::size_t match_hex_run(std::string_view s, std::size_t i, std::size_t len) {
  if (count_while(s, i, len + 1, is_hex) != len) return 0;
  return ends_word(s, i + len) ? len : 0;
}

std::size_t match_0x(std::string_view s, std::size_t i) {
  if (i + 2 >= s.size() || s[i] != '0' || (s[i + 1] != 'x' && s[i + 1] != 'X')) return 0;
  std::size_t n = count_while(s, i + 2, 64, is_hex);
  if (n == 0 || !ends_word(s, i + 2 + n)) return 0;
  return 2 + n;
}

// <float> or <int>; 0 when not a number ending on a word boundary.
std::size_t match_number(std::string_view s, std::size_t i, bool& is_float) {
  std::size_t n = count_while(s, i, 64, is_digit);
  if (n == 0) return 0;
  is_float = false;
  if (i + n + 1 < s.size() && s[i + n] == '.' && is_digit(s[i + n + 1])) {
    n += 1 + count_while(s, i + n + 1, 64, is_digit);
    is_float = true;
  }
  if (i + n + 1 < s.size() && (s[i + n] == 'e' || s[i + n] == 'E')) {
    std::size_t k = 1;
    if (s[i + n + k] == '+' || s[i + n + k] == '-') ++k;
    std::size_t d = count_while(s, i + n + k, 4, is_digit);
    if (d > 0) {
      n += k + d;
      is_float = true;
    }
  }
  return ends_word(s, i + n) ? n : 0;
}

std::string normalize_line(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const bool word_start = i == 0 || !is_word(s[i - 1]);
    if (word_start) {
      std::size_t n;
      bool is_float = false;
      if ((n = match_url(s, i))) {
        out += "<url>";
      } else if ((n = match_email(s, i))) {
        out += "<email>";
      } else if ((n = match_uuid(s, i))) {
        out += "<uuid>";
      } else if ((n = match_date(s, i))) {
        out += "<date>";
      } else if ((n = match_ipv4(s, i))) {
        out += "<ip>";
      } else if ((n = match_hex_run(s, i, 40))) {
        out += "<sha1>";
      } else if ((n = match_hex_run(s, i, 32))) {
        out += "<md5>";
      } else if ((n = match_0x(s, i))) {
        out += "<hex>";
      } else if ((n = match_ipv6(s, i))) {
        out += "<ip>";
      } else if ((n = match_number(s, i, is_float))) {
        out += is_float ? "<float>" : "<int>";
      }
      if (n > 0) {
        i += n;
        continue;
      }
    }
    out.push_back(s[i]);
    ++i;
  }
  return out;
}

bool hashlike_part(std::string_view part) {
  if (part.size() >= 7 && part.size() <= 64) {
    bool all_hex = true;
    for (char c : part) all_hex = all_hex && is_hex(c);
    if (all_hex) return true;
  }
  if (part.size() < 6 || part.size() > 32) return false;
  bool digit = false, upper = false, lower = false, other = false;
  for (char c : part) {
    if (is_digit(c)) {
      digit = true;
    } else if (c >= 'A' && c <= 'Z') {
      upper = true;
    } else if (c >= 'a' && c <= 'z') {
      lower = true;
    } else if (c == '_' || c == '-') {
      other = true;
    } else {
      return false;
    }
  }
  if (digit && (upper || lower) && part.size() >= 8) return true;
  if (part.size() != 8) return false;
  // Exactly 8 characters (Vite/Rollup's default hash length): mixed case or '_'/'-' inside,
  // unless it reads as one capitalised word ("Settings").
  if (other && (upper || lower || digit)) return true;
  if (upper && lower) {
    bool capitalised_word = part[0] >= 'A' && part[0] <= 'Z';
    for (std::size_t k = 1; k < part.size(); ++k) {
      capitalised_word = capitalised_word && part[k] >= 'a' && part[k] <= 'z';
    }
    return !capitalised_word;
  }
  return false;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

}  // namespace

std::string normalize_message(std::string_view message) {
  std::string out;
  int lines = 0;
  std::size_t pos = 0;
  while (pos <= message.size()) {
    std::size_t nl = message.find('\n', pos);
    if (nl == std::string_view::npos) nl = message.size();
    std::string_view line = trim_space(message.substr(pos, nl - pos));
    pos = nl + 1;
    if (line.empty()) continue;
    if (lines == 2) {
      out += "...";
      break;
    }
    if (lines > 0) out.push_back('\n');
    out += normalize_line(line);
    ++lines;
  }
  return out;
}

UrlParts split_url(std::string_view url) {
  UrlParts p;
  std::string_view rest = url;
  const std::size_t scheme_end = rest.find("://");
  if (scheme_end != std::string_view::npos && scheme_end > 0 &&
      rest.find_first_of("/?#") > scheme_end) {
    p.scheme = rest.substr(0, scheme_end);
    rest.remove_prefix(scheme_end + 3);
    const std::size_t host_end = std::min(rest.find_first_of("/?#"), rest.size());
    p.host = rest.substr(0, host_end);
    rest.remove_prefix(host_end);
  } else if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    const std::size_t host_end = std::min(rest.find_first_of("/?#"), rest.size());
    p.host = rest.substr(0, host_end);
    rest.remove_prefix(host_end);
  }
  const std::size_t hash = rest.find('#');
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  const std::size_t q = rest.find('?');
  if (q != std::string_view::npos) {
    p.query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  p.path = rest;
  return p;
}

bool is_id_segment(std::string_view seg) {
  if (seg.empty()) return false;
  std::size_t digits = 0, letters = 0, run = 0, max_run = 0;
  bool hex = true, token = true;
  for (char c : seg) {
    if (is_digit(c)) {
      ++digits;
      max_run = std::max(max_run, ++run);
    } else {
      run = 0;
      if (std::isalpha(static_cast<unsigned char>(c))) ++letters;
    }
    hex = hex && is_hex(c);
    token = token && (is_word(c) || c == '-');
  }
  if (digits == seg.size()) return true;
  if (seg.size() == 36 && match_uuid(seg, 0) == 36) return true;
  if (hex && seg.size() >= 8 && digits > 0) return true;
  if (max_run >= 4) return true;
  if (token && seg.size() >= 16 && digits > 0 && letters > 0) return true;
  return seg.find('@') != std::string_view::npos;
}

std::string normalize_page_path(std::string_view path_or_url) {
  std::string_view path = split_url(path_or_url).path;
  std::string out;
  int segments = 0;
  for (std::string_view seg : split(path, '/')) {
    if (seg.empty()) continue;
    if (++segments > 12) {
      out += "/...";
      break;
    }
    out.push_back('/');
    out += is_id_segment(seg) ? std::string_view(":id") : seg;
  }
  if (out.empty()) out = "/";
  return std::string(utf8_prefix(out, 200));
}

std::string strip_build_hash(std::string_view stem) {
  // Vite / Rollup: "[name]-[hash]" with an 8-character base64url hash that may itself hold '-'.
  if (stem.size() > 9 && stem[stem.size() - 9] == '-' &&
      hashlike_part(stem.substr(stem.size() - 8))) {
    stem = stem.substr(0, stem.size() - 9);
  }
  // Then every later '-' or '.' separated part that looks like a hash ("main.3f9a1b2c.chunk").
  std::size_t first = stem.find_first_of("-.");
  if (first == std::string_view::npos) return std::string(stem);
  std::string out(stem.substr(0, first));
  std::size_t pos = first;
  while (pos < stem.size()) {
    std::size_t next = stem.find_first_of("-.", pos + 1);
    if (next == std::string_view::npos) next = stem.size();
    std::string_view part = stem.substr(pos + 1, next - pos - 1);
    if (!hashlike_part(part)) out += stem.substr(pos, next - pos);
    pos = next;
  }
  return out;
}

std::string normalize_resource_url(std::string_view url) {
  UrlParts p = split_url(url);
  std::string out = ascii_lower(p.host);
  std::vector<std::string_view> segs = split(p.path, '/');
  int kept = 0;
  for (std::size_t k = 0; k < segs.size(); ++k) {
    std::string_view seg = segs[k];
    if (seg.empty()) continue;
    if (++kept > 12) {
      out += "/...";
      break;
    }
    out.push_back('/');
    if (k + 1 == segs.size()) {
      const std::size_t dot = seg.rfind('.');
      std::string_view stem = dot == std::string_view::npos || dot == 0 ? seg : seg.substr(0, dot);
      std::string_view ext = stem.size() == seg.size() ? std::string_view() : seg.substr(dot);
      std::string clean = strip_build_hash(stem);
      if (is_id_segment(clean)) {
        out += ":id";
      } else {
        out += clean;
        if (clean.size() < stem.size()) out += "-*";
      }
      out += ext.size() <= 8 ? ext : std::string_view();
    } else {
      out += is_id_segment(seg) ? std::string_view(":id") : seg;
    }
  }
  if (p.host.empty() && out.empty()) out = "/";
  return std::string(utf8_prefix(out, 200));
}

}  // namespace ew::ingest
