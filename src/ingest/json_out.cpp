#include "ingest/json_out.h"

#include "util/json_text.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ew::ingest {

void JsonOut::separate() {
  if (need_comma_) out_.push_back(',');
  need_comma_ = true;
}

JsonOut& JsonOut::begin_object() {
  separate();
  out_.push_back('{');
  need_comma_ = false;
  return *this;
}

JsonOut& JsonOut::end_object() {
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}

JsonOut& JsonOut::begin_array() {
  separate();
  out_.push_back('[');
  need_comma_ = false;
  return *this;
}

JsonOut& JsonOut::end_array() {
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}

JsonOut& JsonOut::key(std::string_view name) {
  separate();
  append_json_string(out_, name);
  out_.push_back(':');
  need_comma_ = false;
  return *this;
}

JsonOut& JsonOut::value(std::string_view text) {
  separate();
  append_json_string(out_, text);
  return *this;
}

JsonOut& JsonOut::value(std::int64_t number) {
  separate();
  out_ += std::to_string(number);
  return *this;
}

JsonOut& JsonOut::value(double number) {
  separate();
  if (!std::isfinite(number)) {
    out_ += "null";
    return *this;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", number);
  // Shortest form that round-trips is nicer to read; %.17g always round-trips, so try shorter.
  for (int precision = 6; precision < 17; ++precision) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", precision, number);
    if (std::strtod(shorter, nullptr) == number) {
      out_ += shorter;
      return *this;
    }
  }
  out_ += buf;
  return *this;
}

JsonOut& JsonOut::value(bool flag) {
  separate();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonOut& JsonOut::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonOut& JsonOut::raw(std::string_view json) {
  separate();
  out_ += json;
  return *this;
}

}  // namespace ew::ingest
