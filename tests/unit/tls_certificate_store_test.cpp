// CertificateStore: reloads that keep the old configuration on a bad file, resumption across a
// reload, the inotify watcher (a file rewritten in place, a symlink swapped as certbot does),
// the expiry helper and the metrics.
#include <gtest/gtest.h>

#include <filesystem>

#include "../common/wait.h"
#include "telemetry/prometheus.h"
#include "tls/certificate_store.h"
#include "tls_test_util.h"

namespace ew::tls {
namespace {

using namespace std::chrono_literals;
using testing::MemoryConnection;
using testing::TempDir;

class TlsStore : public ::testing::Test {
 protected:
  TempDir dir;
  test::TestPki pki{dir.path()};
  std::shared_ptr<boost::asio::ssl::context> client = testing::trusting(pki);

  std::unique_ptr<CertificateStore> open(const test::LeafFiles& files) {
    ServerSettings settings;
    settings.certificates.push_back({files.certificate, files.key});
    std::string error;
    auto store = CertificateStore::open(settings, error);
    EXPECT_TRUE(store) << error;
    return store;
  }

  static std::vector<std::string> names(const CertificateStore& store) {
    return store.current()->certificates().front().names;
  }
};

TEST_F(TlsStore, OpenFailsLikeBuild) {
  ServerSettings settings;
  settings.certificates.push_back({dir.file("none.pem"), dir.file("none.key")});
  std::string error;
  EXPECT_FALSE(CertificateStore::open(settings, error));
  EXPECT_EQ(error, dir.file("none.pem") + ": cannot be read (No such file or directory)");
}

TEST_F(TlsStore, ReloadPublishesTheNewCertificate) {
  auto store = open(pki.leaf("site", {.dns = {"old.test"}}));
  auto before = store->current();
  pki.leaf("site", {.dns = {"new.test"}});
  EXPECT_TRUE(store->reload());
  EXPECT_NE(store->current(), before);
  EXPECT_EQ(names(*store), std::vector<std::string>{"new.test"});
  EXPECT_EQ(before->certificates().front().names, std::vector<std::string>{"old.test"});
  CertificateStore::Stats stats = store->stats();
  EXPECT_EQ(stats.reloads_ok, 1u);
  EXPECT_EQ(stats.reloads_failed, 0u);
}

TEST_F(TlsStore, FailedReloadKeepsTheOldOneServingAndCountsIt) {
  test::LeafFiles files = pki.leaf("site", {.dns = {"example.com"}});
  auto store = open(files);
  auto before = store->current();
  pki.garbage("site.pem");
  EXPECT_FALSE(store->reload());
  EXPECT_EQ(store->current(), before);
  CertificateStore::Stats stats = store->stats();
  EXPECT_EQ(stats.reloads_failed, 1u);
  EXPECT_EQ(stats.last_reload_error, files.certificate + ": not a PEM file");
  MemoryConnection connection(*store->current(), *client, {.sni = "example.com"});
  EXPECT_TRUE(connection.handshake()) << connection.client_error();

  pki.leaf("site", {.dns = {"example.com"}});
  EXPECT_TRUE(store->reload());
  EXPECT_EQ(store->stats().last_reload_error, "");
}

TEST_F(TlsStore, SessionsResumeAcrossAReload) {
  auto store = open(pki.leaf("site", {.dns = {"example.com"}}));
  MemoryConnection first(*store->current(), *client, {.sni = "example.com"});
  ASSERT_TRUE(first.handshake());
  testing::Session session = first.session();
  pki.leaf("site", {.dns = {"example.com"}});  // the renewed certificate
  ASSERT_TRUE(store->reload());
  MemoryConnection second(*store->current(), *client,
                          {.sni = "example.com", .resume = session.get()});
  ASSERT_TRUE(second.handshake()) << second.server_error();
  EXPECT_TRUE(second.resumed());
}

TEST_F(TlsStore, WatcherSeesAFileRewrittenInPlace) {
  auto store = open(pki.leaf("site", {.dns = {"old.test"}}));
  std::string error;
  ASSERT_TRUE(store->watch(error, 50ms)) << error;
  pki.leaf("site", {.dns = {"new.test"}});  // rewrites both files, as cp would
  EXPECT_TRUE(
      test::wait_until([&] { return names(*store) == std::vector<std::string>{"new.test"}; }, 10s,
                       "the rewritten certificate to be served"));
  store->stop();
}

TEST_F(TlsStore, WatcherFollowsASymlinkSwap) {
  // certbot's layout: live/ holds symlinks into archive/, replaced by a rename on renewal.
  std::filesystem::create_directories(dir.file("live"));
  std::filesystem::create_directories(dir.file("archive"));
  test::LeafFiles first = pki.leaf("archive/site1", {.dns = {"old.test"}});
  std::filesystem::create_symlink(first.certificate, dir.file("live/site.pem"));
  std::filesystem::create_symlink(first.key, dir.file("live/site.key"));
  auto store = open({dir.file("live/site.pem"), dir.file("live/site.key")});
  std::string error;
  ASSERT_TRUE(store->watch(error, 50ms)) << error;

  test::LeafFiles second = pki.leaf("archive/site2", {.dns = {"new.test"}});
  for (const auto& [target, link] :
       {std::pair{second.certificate, "live/site.pem"}, std::pair{second.key, "live/site.key"}}) {
    std::filesystem::create_symlink(target, dir.file("live/new-link"));
    std::filesystem::rename(dir.file("live/new-link"), dir.file(link));
  }
  EXPECT_TRUE(
      test::wait_until([&] { return names(*store) == std::vector<std::string>{"new.test"}; }, 10s,
                       "the swapped certificate to be served"));
  EXPECT_EQ(store->stats().reloads_failed, 0u);  // never read half-swapped, thanks to the pause
}

TEST_F(TlsStore, ExpiringWithin) {
  auto store = open(pki.leaf("site", {.dns = {"example.com"}, .not_after = 24h * 10}));
  auto soon = store->expiring_within(std::chrono::days(30));
  ASSERT_TRUE(soon.has_value());
  EXPECT_EQ(soon->names, std::vector<std::string>{"example.com"});
  EXPECT_FALSE(store->expiring_within(std::chrono::days(5)).has_value());
}

TEST_F(TlsStore, WritesMetrics) {
  test::LeafFiles files = pki.leaf("site", {.dns = {"example.com"}});
  auto store = open(files);
  pki.garbage("site.key");
  store->reload();
  telemetry::MetricWriter writer;
  store->write_metrics(writer);
  std::string text = writer.text();
  EXPECT_NE(text.find("edgewatch_tls_reloads_total{result=\"ok\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("edgewatch_tls_reloads_total{result=\"failed\"} 1\n"), std::string::npos);
  std::string not_after =
      "edgewatch_tls_certificate_not_after_seconds{file=\"" + files.certificate + "\"} " +
      telemetry::format_value(
          static_cast<double>(store->current()->certificates().front().not_after));
  EXPECT_NE(text.find(not_after), std::string::npos) << text;
  EXPECT_TRUE(writer.errors().empty());
}

}  // namespace
}  // namespace ew::tls
