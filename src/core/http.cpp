#include "core/http.h"

#include "util/json_text.h"

#include <array>
#include <ctime>

namespace ew {
namespace {

constexpr std::array<std::string_view, 8> kMethodNames = {"GET",    "HEAD",  "POST",    "PUT",
                                                          "DELETE", "PATCH", "OPTIONS", ""};

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::string_view to_string(Method m) {
  return kMethodNames[static_cast<int>(m)];
}

Method parse_method(std::string_view name) {
  for (std::size_t i = 0; i + 1 < kMethodNames.size(); ++i) {
    if (kMethodNames[i] == name) return static_cast<Method>(i);
  }
  return Method::kOther;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view Request::header(std::string_view name) const {
  for (const auto& field : headers_) {
    if (iequals(field.name, name)) return field.value;
  }
  return {};
}

bool Request::has_header(std::string_view name) const {
  for (const auto& field : headers_) {
    if (iequals(field.name, name)) return true;
  }
  return false;
}

std::string_view Request::param(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name) return value;
  }
  return {};
}

void Response::add_header(std::string_view name, std::string_view value) {
  headers_.append(name);
  headers_.append(": ");
  headers_.append(value);
  headers_.append("\r\n");
}

std::string_view Response::find_header(std::string_view name) const {
  std::string_view lines = headers_;
  while (!lines.empty()) {
    std::size_t end = lines.find("\r\n");
    std::string_view line = lines.substr(0, end);
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && iequals(line.substr(0, colon), name)) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      return value;
    }
    if (end == std::string_view::npos) break;
    lines.remove_prefix(end + 2);
  }
  return {};
}

void Response::set_body(std::string text, std::string_view content_type) {
  body = std::move(text);
  shared_body.reset();
  file_body.reset();
  add_header("Content-Type", content_type);
}

std::uint64_t Response::body_size() const {
  if (file_body) return file_body->length;
  if (shared_body) return shared_body->bytes.size();
  return body.size();
}

Response error_response(int status, std::string_view code, std::string_view message,
                        std::string_view request_id) {
  std::string json = "{\"error\":{\"code\":";
  append_json_string(json, code);
  json += ",\"message\":";
  append_json_string(json, message);
  json += ",\"request_id\":";
  append_json_string(json, request_id);
  json += "}}\n";
  Response response(status);
  response.set_body(std::move(json), "application/json");
  response.add_header("Cache-Control", "no-store");
  return response;
}

std::string_view date_header_line() {
  thread_local std::time_t cached_second = -1;
  thread_local char line[48];
  thread_local std::size_t length = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    length = std::strftime(line, sizeof line, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
    cached_second = now;
  }
  return {line, length};
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

}  // namespace ew
