// Reloads: atomic publication, in-flight responses keeping their bytes, and the inotify
// watcher.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "../common/wait.h"
#include "static/digest.h"
#include "static/watcher.h"
#include "static_test_util.h"

namespace ew::static_files {
namespace {

using namespace std::chrono_literals;
using testing::call;
using testing::Reply;
using testing::TempTree;

TEST(StaticReload, ReloadPublishesTheNewTree) {
  TempTree tree;
  tree.write("a.txt", "one");
  StaticSite site(testing::options_for(tree.root()));
  ASSERT_TRUE(site.reload().ok);
  EXPECT_EQ(call(site, "/a.txt").body, "one");
  tree.write("a.txt", "two!");
  tree.write("b.txt", "new");
  EXPECT_EQ(call(site, "/a.txt").body, "one");  // nothing changes until the reload
  ASSERT_TRUE(site.reload().ok);
  EXPECT_EQ(call(site, "/a.txt").body, "two!");
  EXPECT_EQ(call(site, "/b.txt").body, "new");
}

TEST(StaticReload, InFlightResponsesKeepTheirBytes) {
  TempTree tree;
  tree.write("a.txt", "first version");
  StaticSite site(testing::options_for(tree.root()));
  ASSERT_TRUE(site.reload().ok);
  Request request;
  request.method = Method::kGet;
  request.path = "/a.txt";
  Response held = site.respond(request);  // as if still being written to a slow client
  std::filesystem::remove(tree.path("a.txt"));
  ASSERT_TRUE(site.reload().ok);
  EXPECT_EQ(call(site, "/a.txt").status, 404);
  ASSERT_TRUE(held.shared_body.has_value());
  EXPECT_EQ(held.shared_body->bytes, "first version");
  std::string headers(held.shared_headers.bytes);
  EXPECT_NE(headers.find("ETag:"), std::string::npos);
}

TEST(StaticReload, FailedReloadKeepsServingTheOldTree) {
  TempTree tree;
  tree.write("a.txt", "still here");
  StaticOptions options = testing::options_for(tree.root() + "/site");
  tree.write("site/a.txt", "still here");
  StaticSite site(options);
  ASSERT_TRUE(site.reload().ok);
  std::filesystem::remove_all(tree.path("site"));
  ReloadReport report = site.reload();
  EXPECT_FALSE(report.ok);
  EXPECT_FALSE(report.error.empty());
  EXPECT_EQ(call(site, "/a.txt").body, "still here");
}

TEST(StaticReload, UnchangedFilesAreReusedAcrossReloads) {
  TempTree tree;
  std::string js(50000, 'a');
  tree.write("app.js", js);
  StaticSite site(testing::options_for(tree.root()));
  ASSERT_TRUE(site.reload().ok);
  std::shared_ptr<const Snapshot> before = site.snapshot();
  ASSERT_TRUE(site.reload().ok);
  std::shared_ptr<const Snapshot> after = site.snapshot();
  ASSERT_NE(before, after);
  const Entry* a = before->files.find(std::string_view("/app.js"))->second;
  const Entry* b = after->files.find(std::string_view("/app.js"))->second;
  // Same bytes in memory: neither re-read nor compressed again.
  EXPECT_EQ(a->variant(Encoding::kIdentity).body.memory.bytes.data(),
            b->variant(Encoding::kIdentity).body.memory.bytes.data());
  EXPECT_EQ(a->variant(Encoding::kBrotli).body.memory.bytes.data(),
            b->variant(Encoding::kBrotli).body.memory.bytes.data());
}

// Workers answer while reloads swap between two versions: every answer must be one whole
// version, its body matching its ETag and Content-Type, never a mix.
TEST(StaticReload, ConcurrentRequestsSeeWholeSnapshots) {
  TempTree tree;
  const std::string v1(3000, '1'), v2(3000, '2');
  tree.write("a.txt", v1);
  StaticSite site(testing::options_for(tree.root()));
  ASSERT_TRUE(site.reload().ok);
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, served{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 3; ++t) {
    workers.emplace_back([&] {
      while (!stop.load()) {
        Reply r = call(site, "/a.txt", {{"Accept-Encoding", "identity"}});
        std::string tag = "\"" + sha256_hex(r.body).substr(0, 16) + "\"";
        if (r.status != 200 || (r.body != v1 && r.body != v2) || r.header("etag") != tag) ++bad;
        ++served;
      }
    });
  }
  for (int i = 0; i < 30; ++i) {
    tree.write("a.txt", i % 2 ? v1 : v2);
    site.reload();
  }
  stop = true;
  for (auto& w : workers) w.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(served.load(), 0);
}

TEST(StaticWatcher, ChangesTriggerOneDebouncedCallback) {
  TempTree tree;
  tree.write("a.txt", "x");
  std::atomic<int> calls{0};
  TreeWatcher watcher(tree.root(), false, 100ms, [&] { ++calls; });
  std::string error;
  ASSERT_TRUE(watcher.start(&error)) << error;
  for (int i = 0; i < 20; ++i) tree.write("burst" + std::to_string(i) + ".txt", "y");
  tree.write("sub/dir/new.txt", "z");
  EXPECT_TRUE(test::wait_until([&] { return calls.load() >= 1; }, 5s, "a reload"));
  // A debouncer settles by time: three debounce periods without a further call is what
  // "settled" means, and the watcher has no event to await instead.
  std::this_thread::sleep_for(300ms);
  int settled = calls.load();
  EXPECT_LE(settled, 3);  // a burst of writes is one reload, not twenty
  // New directories are watched after the reload.
  tree.write("sub/dir/later.txt", "w");
  EXPECT_TRUE(test::wait_until([&] { return calls.load() > settled; }, 5s, "another reload"));
  watcher.stop();
}

TEST(StaticWatcher, SiteReloadsOnChange) {
  TempTree tree;
  tree.write("a.txt", "before");
  StaticSite site(testing::options_for(tree.root()));
  ASSERT_TRUE(site.reload().ok);
  TreeWatcher watcher(tree.root(), false, 50ms, [&] { site.reload(); });
  ASSERT_TRUE(watcher.start(nullptr));
  tree.write("a.txt", "after");
  EXPECT_TRUE(
      test::wait_until([&] { return call(site, "/a.txt").body == "after"; }, 5s, "the new body"));
}

}  // namespace
}  // namespace ew::static_files
