#include "static/range_reply.h"

#include <unistd.h>

#include <cerrno>
#include <string>

#include "static/range.h"

namespace ew::static_files {
namespace {

std::string content_range(const ByteRange& r, std::uint64_t length) {
  return "bytes " + std::to_string(r.first) + "-" + std::to_string(r.last) + "/" +
         std::to_string(length);
}

// Copies one range of a streamed file; false on a read error or a file that shrank.
bool read_range(int fd, const ByteRange& r, std::string& out) {
  std::size_t start = out.size();
  out.resize(start + r.length());
  std::uint64_t done = 0;
  while (done < r.length()) {
    ssize_t n =
        pread(fd, out.data() + start + done, r.length() - done, static_cast<off_t>(r.first + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::uint64_t>(n);
  }
  return true;
}

Response single_part(const ServeContext& ctx, const Variant& v, const ByteRange& r) {
  Response response(206);
  response.add_header("Content-Range", content_range(r, v.body.size));
  response.add_header_block(v.headers.full(ctx.hsts));
  if (v.body.in_memory()) {
    response.shared_body =
        SharedBytes{v.body.memory.owner, v.body.memory.bytes.substr(r.first, r.length())};
  } else {
    response.file_body = FileRegion{v.body.fd, r.first, r.length()};
  }
  return response;
}

// multipart/byteranges (RFC 9110 section 14.6). Streamed files are read with pread here: a
// rare request shape, bounded by the same size that decides what is kept in memory.
std::optional<Response> multi_part(const ServeContext& ctx, const Entry& entry, const Variant& v,
                                   const RangeSet& set) {
  std::uint64_t total = 0;
  for (const ByteRange& r : set.ranges) total += r.length();
  if (!v.body.in_memory() && total > ctx.options.max_cached_file_size) return std::nullopt;
  // The boundary comes from the content hash, which the content cannot contain by chance.
  std::string boundary = "edgewatch-" + entry.hash;
  std::string body;
  body.reserve(total + set.ranges.size() * 128);
  for (const ByteRange& r : set.ranges) {
    body += "\r\n--" + boundary + "\r\nContent-Type: ";
    body += entry.content_type;
    body += "\r\nContent-Range: " + content_range(r, v.body.size) + "\r\n\r\n";
    if (v.body.in_memory()) {
      body.append(v.body.memory.bytes.substr(r.first, r.length()));
    } else if (!read_range(*v.body.fd, r, body)) {
      return std::nullopt;
    }
  }
  body += "\r\n--" + boundary + "--\r\n";
  Response response(206);
  response.body = std::move(body);
  response.add_header("Content-Type", "multipart/byteranges; boundary=" + boundary);
  // Without the entity headers: each part carries its own Content-Type.
  response.add_header_block(v.headers.not_modified(ctx.hsts));
  return response;
}

}  // namespace

std::optional<Response> range_reply(const ServeContext& ctx, const Entry& entry, const Variant& v) {
  RangeSet set = parse_range(ctx.fields.range, v.body.size);
  switch (set.status) {
    case RangeStatus::kIgnore:
      return std::nullopt;
    case RangeStatus::kUnsatisfiable: {
      Response response = error_reply(ctx, 416, "range_not_satisfiable", "range not satisfiable");
      response.add_header("Content-Range", "bytes */" + std::to_string(v.body.size));
      return response;
    }
    case RangeStatus::kSatisfiable:
      break;
  }
  if (set.ranges.size() == 1) return single_part(ctx, v, set.ranges[0]);
  return multi_part(ctx, entry, v, set);
}

}  // namespace ew::static_files
