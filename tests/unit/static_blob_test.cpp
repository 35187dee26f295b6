// Bodies of the served tree: large ones in a sealed memfd (sent with sendfile), small on the heap.
#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "static/blob.h"

namespace ew::static_files {
namespace {

std::string bytes_of(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 31 + 7);
  return s;
}

std::string read_back(int fd, std::size_t n) {
  std::string out(n, '\0');
  ssize_t got = pread(fd, out.data(), n, 0);
  out.resize(got < 0 ? 0 : static_cast<std::size_t>(got));
  return out;
}

TEST(Blob, LargeBytesLiveInASealedMemoryFile) {
  const std::string original = bytes_of(kZeroCopyMinSize + 123);
  Blob blob = make_blob(original);
  ASSERT_TRUE(blob);
  ASSERT_NE(blob.fd, nullptr);
  EXPECT_EQ(blob.view(), original);
  EXPECT_EQ(read_back(*blob.fd, original.size() + 10), original);  // the file holds exactly them
  int seals = fcntl(*blob.fd, F_GET_SEALS);
  EXPECT_TRUE(seals & F_SEAL_WRITE);
  EXPECT_TRUE(seals & F_SEAL_SHRINK);
  EXPECT_TRUE(seals & F_SEAL_GROW);
  EXPECT_TRUE(seals & F_SEAL_SEAL);
  // Nothing can change what a response in flight sends.
  EXPECT_EQ(pwrite(*blob.fd, "x", 1, 0), -1);
  EXPECT_EQ(ftruncate(*blob.fd, 1), -1);
  EXPECT_EQ(blob.view(), original);
}

TEST(Blob, TheDescriptorKeepsTheBytesAlive) {
  const std::string original = bytes_of(kZeroCopyMinSize * 2);
  std::shared_ptr<const int> fd;
  SharedBytes memory;
  {
    Blob blob = make_blob(original);
    fd = blob.fd;
    memory = blob.memory;
  }
  ASSERT_NE(fd, nullptr);
  EXPECT_EQ(read_back(*fd, original.size()), original);
  EXPECT_EQ(memory.bytes, original);
}

TEST(Blob, SmallBytesStayOnTheHeap) {
  Blob blob = make_blob(bytes_of(kZeroCopyMinSize - 1));
  ASSERT_TRUE(blob);
  EXPECT_EQ(blob.fd, nullptr);
  EXPECT_EQ(blob.size(), kZeroCopyMinSize - 1);
  Blob empty = make_blob("");
  EXPECT_TRUE(empty);  // an empty file is still a body
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_FALSE(Blob{});
}

}  // namespace
}  // namespace ew::static_files
