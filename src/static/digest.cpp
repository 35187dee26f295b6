#include "static/digest.h"

#include "util/base64.h"
#include "util/hex.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

namespace ew::static_files {
namespace {

struct CtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using Ctx = std::unique_ptr<EVP_MD_CTX, CtxFree>;

void digest(const EVP_MD* md, std::string_view data, unsigned char* out, unsigned& len) {
  Ctx ctx(EVP_MD_CTX_new());
  EVP_DigestInit_ex(ctx.get(), md, nullptr);
  EVP_DigestUpdate(ctx.get(), data.data(), data.size());
  EVP_DigestFinal_ex(ctx.get(), out, &len);
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  digest(EVP_sha256(), data, md, len);
  return to_hex(md, len);
}

std::optional<std::string> sha256_hex_fd(int fd) {
  Ctx ctx(EVP_MD_CTX_new());
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::unique_ptr<char[]> buf(new char[1 << 16]);
  off_t offset = 0;
  while (true) {
    ssize_t n = pread(fd, buf.get(), 1 << 16, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.get(), static_cast<std::size_t>(n));
    offset += n;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  return to_hex(md, len);
}

std::string sha384_base64(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  digest(EVP_sha384(), data, md, len);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(md), len));
}

}  // namespace ew::static_files
