#include "dashboard/assets.h"

#include "dashboard/embedded.h"
#include "static/compress.h"
#include "static/conditional.h"
#include "static/digest.h"
#include "static/encoding.h"
#include "static/headers.h"
#include "static/mime.h"

namespace ew::dashboard {
namespace {

using static_files::Encoding;

constexpr std::array<Encoding, 3> kVariantEncodings = {Encoding::kBrotli, Encoding::kGzip,
                                                       Encoding::kIdentity};
// Below this size compression saves less than a packet.
constexpr std::size_t kCompressMin = 512;

std::string_view cache_control_for(std::string_view path) {
  if (path == "index.html") return Assets::kRevalidate;
  // The bundler names everything under assets/ after its content hash.
  if (path.starts_with("assets/")) return Assets::kImmutable;
  return Assets::kShort;
}

void line(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

Assets::Assets(const static_files::SecurityHeaders& security) {
  static_files::SecurityLines lines = static_files::format_security_lines(security);
  security_lines_ = std::move(lines.lines);
  hsts_line_ = std::move(lines.hsts);
  for (const EmbeddedFile& f : embedded_files()) {
    File file;
    file.etag = "\"" + static_files::sha256_hex(f.bytes).substr(0, 32) + "\"";
    const static_files::MimeInfo mime = static_files::mime_for_path(f.path);
    const std::string_view cache = cache_control_for(f.path);
    const bool compress = mime.compressible && f.bytes.size() >= kCompressMin;
    for (std::size_t i = 0; i < kVariantEncodings.size(); ++i) {
      const Encoding e = kVariantEncodings[i];
      Variant& v = file.variants[i];
      if (e == Encoding::kIdentity) {
        v.bytes = f.bytes;
      } else if (compress) {
        const int level = e == Encoding::kBrotli ? static_files::kBrotliLoadQuality
                                                 : static_files::kGzipLoadLevel;
        auto packed = static_files::compress(e, f.bytes, level);
        // Keep a variant only when it is clearly smaller.
        if (!packed || packed->size() + 64 >= f.bytes.size()) continue;
        v.owned = std::make_shared<const std::string>(std::move(*packed));
        v.bytes = *v.owned;
      } else {
        continue;
      }
      std::string h;
      line(h, "Content-Type", mime.type);
      if (e != Encoding::kIdentity) line(h, "Content-Encoding", static_files::encoding_token(e));
      line(h, "ETag", file.etag);
      line(h, "Cache-Control", cache);
      if (compress) line(h, "Vary", "Accept-Encoding");
      h += security_lines_;
      v.headers = std::make_shared<const std::string>(std::move(h));
    }
    std::string nm;
    line(nm, "ETag", file.etag);
    line(nm, "Cache-Control", cache);
    if (compress) line(nm, "Vary", "Accept-Encoding");
    nm += security_lines_;
    file.not_modified_headers = std::make_shared<const std::string>(std::move(nm));
    files_.emplace(std::string(f.path), std::move(file));
  }
}

std::vector<std::string> Assets::paths() const {
  std::vector<std::string> out;
  out.reserve(files_.size());
  for (const auto& [path, file] : files_) out.push_back(path);
  return out;
}

Response Assets::serve(std::string_view path, const Request& request) const {
  auto it = files_.find(std::string(path));
  if (it == files_.end()) {
    Response r = error_response(404, "not_found", "no such dashboard file", request.request_id);
    r.add_header("Cache-Control", "no-store");
    return r;
  }
  const File& file = it->second;
  Response r(200);
  if (static_files::if_none_match_hits(request.header("If-None-Match"), file.etag)) {
    r.status = 304;
    r.add_header_block({file.not_modified_headers, *file.not_modified_headers});
  } else {
    static_files::EncodingMask available = 0;
    for (std::size_t i = 0; i < kVariantEncodings.size(); ++i) {
      if (file.variants[i].headers) available |= static_files::encoding_bit(kVariantEncodings[i]);
    }
    const std::string_view accept = request.header("Accept-Encoding");
    const Encoding chosen = static_files::choose_encoding(
        static_files::parse_accept_encoding(accept, request.has_header("Accept-Encoding")),
        available);
    const Variant* v = &file.variants.back();
    for (std::size_t i = 0; i < kVariantEncodings.size(); ++i) {
      if (kVariantEncodings[i] == chosen && file.variants[i].headers) v = &file.variants[i];
    }
    r.add_header_block({v->headers, *v->headers});
    std::shared_ptr<const void> owner = v->owned;
    r.shared_body = SharedBytes{owner, v->bytes};
  }
  if (request.secure && !hsts_line_.empty()) {
    // add_header wants name and value; the line is "Name: value\r\n".
    std::string_view h = hsts_line_;
    const std::size_t colon = h.find(':');
    r.add_header(h.substr(0, colon), h.substr(colon + 2, h.size() - colon - 4));
  }
  return r;
}

}  // namespace ew::dashboard
