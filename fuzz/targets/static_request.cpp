// Whole requests against the static edge, served from the Vite-shaped fixture site
// (tests/fixtures/dist). The input is a request-target on the first line, then header lines
// "Name: value". Whatever a client sends, the answer is one of the statuses the module
// documents, its header block is clean (no CR or LF inside a line), a redirect stays on this site,
// and a missing file with an extension never gets index.html (a stale chunk must fail loudly).
#include <fstream>
#include <iterator>

#include "check.h"
#include "static/path.h"
#include "static/site.h"

using namespace ew::static_files;

namespace {

const StaticSite& site() {
  static const StaticSite* built = [] {
    StaticOptions options;
    options.root = EW_FUZZ_SITE;
    auto* s = new StaticSite(options);  // lives for the whole process
    FUZZ_CHECK(s->reload().ok);
    return s;
  }();
  return *built;
}

const std::string& index_html() {
  static const std::string bytes = [] {
    std::ifstream in(std::string(EW_FUZZ_SITE) + "/index.html", std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }();
  return bytes;
}

void check_header_lines(std::string_view lines) {
  while (!lines.empty()) {
    std::size_t end = lines.find("\r\n");
    FUZZ_CHECK(end != std::string_view::npos);
    std::string_view line = lines.substr(0, end);
    FUZZ_CHECK(line.find_first_of("\r\n") == std::string_view::npos);
    FUZZ_CHECK(line.find(": ") != std::string_view::npos);
    lines.remove_prefix(end + 2);
  }
}

std::string_view body_of(const ew::Response& response) {
  if (response.shared_body) return response.shared_body->bytes;
  return response.body;
}

// "name.ext" with a non-empty ext, of the decoded path's last segment; a leading dot marks a
// hidden file, not a type.
bool has_extension(std::string_view raw_path) {
  std::string scratch;
  std::string_view path;
  if (normalize_path(raw_path, scratch, path) != PathVerdict::kOk) return false;
  std::string_view last = path.substr(path.rfind('/') + 1);
  std::size_t dot = last.rfind('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < last.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(ew::fuzz::as_text(data, size));
  auto [target, rest] = ew::fuzz::split_once(input, '\n');

  ew::Request request;
  request.method = ew::Method::kGet;
  request.method_name = "GET";
  request.target = target;
  auto [path, query] = ew::fuzz::split_once(target, '?');
  request.path = path;
  request.query = query;
  request.client_address = "127.0.0.1";
  while (!rest.empty()) {
    auto [line, tail] = ew::fuzz::split_once(rest, '\n');
    auto [name, value] = ew::fuzz::split_once(line, ':');
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.mutable_headers().push_back({name, value});
    rest = tail;
  }

  ew::Response response = site().respond(request);
  switch (response.status) {
    case 200:
    case 206:
    case 301:
    case 304:
    case 400:
    case 404:
    case 412:
    case 416:
      break;
    default:
      FUZZ_CHECK(!"a status the static module does not document");
  }
  check_header_lines(response.header_lines());
  check_header_lines(response.shared_headers.bytes);

  if (response.status == 301) {
    std::string_view location = response.find_header("Location");
    // Same site: a path, never "//host" (which a browser would read as another origin).
    FUZZ_CHECK(location.size() >= 1 && location[0] == '/');
    FUZZ_CHECK(location.size() < 2 || location[1] != '/');
  }
  if (response.status == 200 && has_extension(path) && body_of(response) == index_html()) {
    FUZZ_CHECK(path.ends_with("/index.html"));
  }
  return 0;
}
