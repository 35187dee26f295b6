// A minimal JSON writer for the hot path (event details, ingestion answers): appends to a string,
// escapes per RFC 8259, no allocation beyond the output. The query API uses nlohmann-json.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/json_text.h"

namespace ew::ingest {

class JsonOut {
 public:
  JsonOut& begin_object();
  JsonOut& end_object();
  JsonOut& begin_array();
  JsonOut& end_array();
  JsonOut& key(std::string_view name);
  JsonOut& value(std::string_view text);
  JsonOut& value(const char* text) { return value(std::string_view(text)); }
  JsonOut& value(std::int64_t number);
  JsonOut& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonOut& value(std::size_t number) { return value(static_cast<std::int64_t>(number)); }
  JsonOut& value(double number);
  JsonOut& value(bool flag);
  JsonOut& null();
  // Appends already-serialized JSON (a minified sub-document) as a value.
  JsonOut& raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();
  std::string out_;
  bool need_comma_ = false;
};

using ::ew::append_json_string;  // util/json_text.h

}  // namespace ew::ingest
