#include "ingest/json_error.h"

#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <system_error>
#include <vector>

#include "ingest/text.h"

namespace ew::ingest {
namespace {

class Checker {
 public:
  Checker(std::string_view text, std::size_t max_depth) : s_(text), max_depth_(max_depth) {}

  std::optional<JsonProblem> run() {
    skip_ws();
    if (pos_ == s_.size())
      return fail(s_.empty() ? "empty body, expected a JSON value"
                             : "only whitespace, expected a JSON value");
    if (!value()) return problem_;
    skip_ws();
    if (pos_ != s_.size()) return fail("unexpected data after the JSON value");
    return std::nullopt;
  }

 private:
  std::optional<JsonProblem> fail(std::string what) {
    problem_ = JsonProblem{pos_, std::move(what)};
    return problem_;
  }
  bool error(std::string what) {
    fail(std::move(what));
    return false;
  }
  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) {
      return error("invalid literal, expected " + std::string(word));
    }
    pos_ += word.size();
    return true;
  }

  // Iterative over containers so hostile nesting cannot exhaust the stack.
  bool value() {
    std::vector<char> stack;  // '{' or '['
    for (;;) {
      skip_ws();
      if (pos_ >= s_.size()) return error("unexpected end of input, expected a value");
      char c = s_[pos_];
      bool scalar_done = false;
      if (c == '{' || c == '[') {
        if (stack.size() >= max_depth_) {
          return error("nesting deeper than " + std::to_string(max_depth_) + " levels");
        }
        stack.push_back(c);
        ++pos_;
        skip_ws();
        if (pos_ < s_.size() && s_[pos_] == (c == '{' ? '}' : ']')) {
          ++pos_;
          stack.pop_back();
          scalar_done = true;
        } else if (c == '{') {
          if (!key()) return false;
          continue;
        } else {
          continue;
        }
      } else if (c == '"') {
        if (!string()) return false;
        scalar_done = true;
      } else if (c == 't') {
        if (!literal("true")) return false;
        scalar_done = true;
      } else if (c == 'f') {
        if (!literal("false")) return false;
        scalar_done = true;
      } else if (c == 'n') {
        if (!literal("null")) return false;
        scalar_done = true;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        if (!number()) return false;
        scalar_done = true;
      } else {
        std::string what = "unexpected character '";
        what += printable(c);
        what += "', expected a value";
        return error(std::move(what));
      }
      (void)scalar_done;
      // After a value: close containers or continue with the next element.
      for (;;) {
        if (stack.empty()) return true;
        skip_ws();
        if (pos_ >= s_.size()) {
          return error(stack.back() == '{' ? "unexpected end of input inside an object"
                                           : "unexpected end of input inside an array");
        }
        char d = s_[pos_];
        if (d == ',') {
          ++pos_;
          if (stack.back() == '{' && !key()) return false;
          break;
        }
        if (d == (stack.back() == '{' ? '}' : ']')) {
          ++pos_;
          stack.pop_back();
          continue;
        }
        return error(stack.back() == '{' ? "expected ',' or '}' after an object member"
                                         : "expected ',' or ']' after an array element");
      }
    }
  }

  bool key() {
    skip_ws();
    if (pos_ >= s_.size()) return error("unexpected end of input, expected an object key");
    if (s_[pos_] != '"') return error("expected a string as object key");
    if (!string()) return false;
    skip_ws();
    if (pos_ >= s_.size() || s_[pos_] != ':') return error("expected ':' after an object key");
    ++pos_;
    return true;
  }

  bool string() {
    ++pos_;  // opening quote
    while (pos_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return error("control character inside a string");
      if (c == '\\') {
        if (pos_ + 1 >= s_.size()) break;
        char e = s_[pos_ + 1];
        if (e == 'u') {
          if (!unicode_escape()) return false;
          continue;
        }
        if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return error("invalid escape in a string");
        }
        pos_ += 2;
        continue;
      }
      if (c >= 0x80) {
        // Validate this one character.
        std::size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (find_invalid_utf8(s_.substr(pos_, len)).has_value() || pos_ + len > s_.size()) {
          return error("invalid UTF-8 in a string");
        }
        pos_ += len;
        continue;
      }
      ++pos_;
    }
    return error("unterminated string");
  }

  // "\uXXXX" at pos_. UTF-16 surrogates must come as a pair (high, then low), since a lone one
  // stands for no character and cannot become UTF-8.
  bool unicode_escape() {
    std::optional<unsigned> unit = code_unit(pos_);
    if (!unit) return error("invalid \\u escape in a string");
    if (*unit >= 0xdc00 && *unit <= 0xdfff) {
      return error("\\u escape of a low surrogate without a high surrogate before it");
    }
    pos_ += 6;
    if (*unit < 0xd800 || *unit > 0xdbff) return true;
    std::optional<unsigned> low = pos_ + 1 < s_.size() && s_[pos_] == '\\' && s_[pos_ + 1] == 'u'
                                      ? code_unit(pos_)
                                      : std::nullopt;
    if (!low || *low < 0xdc00 || *low > 0xdfff) {
      pos_ -= 6;
      return error("\\u escape of a high surrogate not followed by a low surrogate");
    }
    pos_ += 6;
    return true;
  }

  // The four hex digits of the \u escape at `at`.
  std::optional<unsigned> code_unit(std::size_t at) const {
    if (at + 6 > s_.size()) return std::nullopt;
    unsigned value = 0;
    auto [end, ec] = std::from_chars(s_.data() + at + 2, s_.data() + at + 6, value, 16);
    if (ec != std::errc{} || end != s_.data() + at + 6) return std::nullopt;
    return value;
  }

  bool number() {
    const std::size_t start = pos_;
    bool integer = true;
    if (s_[pos_] == '-') ++pos_;
    if (pos_ >= s_.size() || !isdigit(s_[pos_])) return error("invalid number");
    if (s_[pos_] == '0') {
      ++pos_;
    } else {
      while (pos_ < s_.size() && isdigit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      integer = false;
      ++pos_;
      if (pos_ >= s_.size() || !isdigit(s_[pos_]))
        return error("invalid number: digit expected after '.'");
      while (pos_ < s_.size() && isdigit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      integer = false;
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (pos_ >= s_.size() || !isdigit(s_[pos_]))
        return error("invalid number: exponent digits expected");
      while (pos_ < s_.size() && isdigit(s_[pos_])) ++pos_;
    }
    return in_range(s_.substr(start, pos_ - start), integer, start);
  }

  // The grammar allows any magnitude; the parser stores integers in 64 bits and other numbers
  // in a double, and refuses what does not fit (a number too small for a double becomes 0).
  bool in_range(std::string_view number, bool integer, std::size_t start) {
    const char* first = number.data();
    const char* last = first + number.size();
    if (integer) {
      std::int64_t signed_value = 0;
      std::uint64_t unsigned_value = 0;
      bool fits = number.front() == '-'
                      ? std::from_chars(first, last, signed_value).ec == std::errc{}
                      : std::from_chars(first, last, unsigned_value).ec == std::errc{};
      if (fits) return true;
      pos_ = start;
      return error("integer out of range (at most 64 bits)");
    }
    double value = 0;
    if (std::from_chars(first, last, value).ec != std::errc::result_out_of_range) return true;
    // Out of range either way: too large, or too small, which is fine.
    long double wide = 0;
    bool too_large = std::from_chars(first, last, wide).ec == std::errc{}
                         ? std::fabs(wide) > DBL_MAX
                         : number.find("e-") == std::string_view::npos &&
                               number.find("E-") == std::string_view::npos;
    if (!too_large) return true;
    pos_ = start;
    return error("number out of range (larger than a double)");
  }

  static bool isdigit(char c) { return c >= '0' && c <= '9'; }
  static std::string printable(char c) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string(1, c);
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", u);
    return buf;
  }

  std::string_view s_;
  std::size_t max_depth_;
  std::size_t pos_ = 0;
  JsonProblem problem_;
};

}  // namespace

std::string JsonProblem::to_string() const {
  return what + " at byte " + std::to_string(offset);
}

std::optional<JsonProblem> find_json_problem(std::string_view text, std::size_t max_depth) {
  // Invalid UTF-8 outside strings is caught as an unexpected character; inside, as invalid UTF-8.
  return Checker(text, max_depth).run();
}

}  // namespace ew::ingest
