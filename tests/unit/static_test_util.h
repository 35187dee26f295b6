// Helpers for the static module's unit tests: a temporary tree on disk and a way to call the
// real handler with a real Request and read back what it answered.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/http.h"
#include "static/site.h"

namespace ew::static_files::testing {

class TempTree {
 public:
  TempTree() {
    char tmpl[] = "/tmp/ew-static-XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  const std::string& root() const { return root_; }
  std::string path(const std::string& rel) const { return root_ + "/" + rel; }

  void write(const std::string& rel, const std::string& content) const {
    std::filesystem::create_directories(std::filesystem::path(path(rel)).parent_path());
    std::ofstream(path(rel), std::ios::binary) << content;
  }
  // Sets a file's modification time (seconds since the epoch).
  void touch(const std::string& rel, long seconds) const {
    timespec times[2] = {{seconds, 0}, {seconds, 0}};
    utimensat(AT_FDCWD, path(rel).c_str(), times, 0);
  }

 private:
  std::string root_;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names; repeated names joined
  std::string body;
  bool streamed = false;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  bool has(const std::string& name) const { return headers.count(name) > 0; }
};

inline void parse_header_lines(std::string_view lines, std::map<std::string, std::string>& out) {
  while (!lines.empty()) {
    std::size_t end = lines.find("\r\n");
    std::string_view line = lines.substr(0, end);
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string name(line.substr(0, colon));
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value(line.substr(colon + 2));
      auto [it, fresh] = out.emplace(name, value);
      if (!fresh) it->second += ", " + value;
    }
    if (end == std::string_view::npos) break;
    lines.remove_prefix(end + 2);
  }
}

inline Reply to_reply(const Response& r) {
  Reply out;
  out.status = r.status;
  parse_header_lines(r.header_lines(), out.headers);
  parse_header_lines(r.shared_headers.bytes, out.headers);
  if (r.file_body) {
    out.streamed = true;
    out.body.resize(r.file_body->length);
    ssize_t n = pread(*r.file_body->fd, out.body.data(), out.body.size(),
                      static_cast<off_t>(r.file_body->offset));
    out.body.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  } else if (r.shared_body) {
    out.body = std::string(r.shared_body->bytes);
  } else {
    out.body = r.body;
  }
  return out;
}

// Calls the real handler. `target` may carry a query ("/a?x=1").
inline Reply call(const StaticSite& site, std::string target, const Headers& headers = {},
                  Method method = Method::kGet, bool secure = false,
                  std::string client = "127.0.0.1") {
  Request request;
  request.method = method;
  request.method_name = to_string(method);
  request.target = target;
  std::string_view t = target;
  std::size_t q = t.find('?');
  request.path = t.substr(0, q);
  request.query = q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
  request.secure = secure;
  request.client_address = client;
  request.peer_address = client;
  request.request_id = "test-request";
  for (const auto& [name, value] : headers) {
    request.mutable_headers().push_back({name, value});
  }
  return to_reply(site.respond(request));
}

// A site over `root` with test-friendly defaults, loaded once.
inline StaticOptions options_for(const std::string& root) {
  StaticOptions o;
  o.root = root;
  return o;
}

}  // namespace ew::static_files::testing
