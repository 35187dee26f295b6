#include "static/compress.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>
#include <zstd.h>

namespace ew::static_files {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // +16 selects the gzip wrapper rather than zlib
constexpr int kGzipMemLevel = 9;

std::optional<std::string> gzip_compress(std::string_view data, int level) {
  if (data.size() > 0xffffffffu) return std::nullopt;  // zlib counts in 32 bits
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, kGzipWindowBits, kGzipMemLevel, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return std::nullopt;
  }
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

std::optional<std::string> gzip_decompress(std::string_view data, std::size_t max_size) {
  if (data.size() > 0xffffffffu) return std::nullopt;
  z_stream z{};
  if (inflateInit2(&z, kGzipWindowBits) != Z_OK) return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > max_size) rc = Z_BUF_ERROR;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END || z.avail_in != 0) return std::nullopt;
  return out;
}

std::optional<std::string> brotli_compress(std::string_view data, int quality) {
  std::size_t size = BrotliEncoderMaxCompressedSize(data.size());
  if (size == 0) size = data.size() + 1024;
  std::string out(size, '\0');
  if (!BrotliEncoderCompress(quality, BROTLI_DEFAULT_WINDOW, BROTLI_DEFAULT_MODE, data.size(),
                             reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                             reinterpret_cast<std::uint8_t*>(out.data()))) {
    return std::nullopt;
  }
  out.resize(size);
  return out;
}

std::optional<std::string> brotli_decompress(std::string_view data, std::size_t max_size) {
  BrotliDecoderState* state = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
  if (state == nullptr) return std::nullopt;
  std::size_t avail_in = data.size();
  const auto* next_in = reinterpret_cast<const std::uint8_t*>(data.data());
  std::string out;
  BrotliDecoderResult rc = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
  while (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT && out.size() <= max_size) {
    std::uint8_t buf[16384];
    std::size_t avail_out = sizeof buf;
    std::uint8_t* next_out = buf;
    rc = BrotliDecoderDecompressStream(state, &avail_in, &next_in, &avail_out, &next_out, nullptr);
    out.append(reinterpret_cast<char*>(buf), sizeof buf - avail_out);
  }
  BrotliDecoderDestroyInstance(state);
  if (rc != BROTLI_DECODER_RESULT_SUCCESS || avail_in != 0 || out.size() > max_size) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> zstd_compress(std::string_view data, int level) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  std::size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(n)) return std::nullopt;
  out.resize(n);
  return out;
}

std::optional<std::string> zstd_decompress(std::string_view data, std::size_t max_size) {
  ZSTD_DStream* stream = ZSTD_createDStream();
  if (stream == nullptr) return std::nullopt;
  ZSTD_initDStream(stream);
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::string out;
  std::size_t rc = 1;
  while (!ZSTD_isError(rc) && rc != 0 && out.size() <= max_size) {
    char buf[16384];
    ZSTD_outBuffer o{buf, sizeof buf, 0};
    rc = ZSTD_decompressStream(stream, &o, &in);
    out.append(buf, o.pos);
    if (in.pos == in.size && o.pos < o.size && rc != 0) break;  // truncated input
  }
  ZSTD_freeDStream(stream);
  if (rc != 0 || in.pos != in.size || out.size() > max_size) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::string> compress(Encoding encoding, std::string_view data, int level) {
  switch (encoding) {
    case Encoding::kBrotli:
      return brotli_compress(data, level);
    case Encoding::kZstd:
      return zstd_compress(data, level);
    case Encoding::kGzip:
      return gzip_compress(data, level);
    case Encoding::kIdentity:
      return std::string(data);
  }
  return std::nullopt;
}

std::optional<std::string> decompress(Encoding encoding, std::string_view data,
                                      std::size_t max_size) {
  switch (encoding) {
    case Encoding::kBrotli:
      return brotli_decompress(data, max_size);
    case Encoding::kZstd:
      return zstd_decompress(data, max_size);
    case Encoding::kGzip:
      return gzip_decompress(data, max_size);
    case Encoding::kIdentity:
      if (data.size() > max_size) return std::nullopt;
      return std::string(data);
  }
  return std::nullopt;
}

}  // namespace ew::static_files
