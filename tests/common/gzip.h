// Test helper: zlib compression at level 9 (gzip framing by default; 15 for zlib, -15 for raw
// deflate), for bodies sent with Content-Encoding.
#pragma once

#include <zlib.h>

#include <string>

namespace ew::test {

inline std::string gzip(const std::string& data, int window_bits = 15 + 16) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, window_bits, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace ew::test
