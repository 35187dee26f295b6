// The data directory: configurable, said at start, created only once the listeners are up, and
// left without SQLite's -wal and -shm files after a clean stop.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "harness.h"

namespace ew::test {
namespace {

namespace fs = std::filesystem;

TEST(DataDir, IsSaidAtStartAndHoldsEveryDataFile) {
  const std::string root = make_temp_dir();
  const std::string dir = root + "/data";
  ServerProcess server({}, {{"EDGEWATCH_STORAGE_DATA_DIR", dir}});
  EXPECT_TRUE(server.wait_for_err("data directory " + dir)) << server.err();
  EXPECT_TRUE(fs::exists(dir + "/edgewatch.db"));
  EXPECT_TRUE(server.wait_for_err("readiness: overall")) << server.err();
  EXPECT_TRUE(fs::exists(dir + "/edgewatch-health.jsonl"));
  EXPECT_EQ(server.stop(SIGTERM), 0);
  // The last connection's close checkpoints the WAL into the database and removes both files.
  EXPECT_FALSE(fs::exists(dir + "/edgewatch.db-wal"));
  EXPECT_FALSE(fs::exists(dir + "/edgewatch.db-shm"));
  fs::remove_all(root);
}

TEST(DataDir, NothingIsWrittenWhenThePortIsTaken) {
  ServerProcess holder({});
  const std::string root = make_temp_dir();
  const std::string dir = root + "/data";
  CommandResult r =
      run_edgewatch({"serve", "--listen", "127.0.0.1:" + std::to_string(holder.port())},
                    {{"EDGEWATCH_STORAGE_DATA_DIR", dir}});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_FALSE(fs::exists(dir)) << "a process that could not listen created " << dir;
  fs::remove_all(root);
}

}  // namespace
}  // namespace ew::test
