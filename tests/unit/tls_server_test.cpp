// ServerTls: what build() accepts and refuses (and says why), and handshakes against it in
// memory: SNI, protocol versions, ALPN, session resumption.
#include <gtest/gtest.h>

#include <ctime>

#include "tls/ticket_keys.h"
#include "tls_test_util.h"

namespace ew::tls {
namespace {

using namespace std::chrono_literals;
using testing::ClientOptions;
using testing::MemoryConnection;
using testing::TempDir;

class TlsServer : public ::testing::Test {
 protected:
  TempDir dir;
  test::TestPki pki{dir.path()};
  std::shared_ptr<boost::asio::ssl::context> client = testing::trusting(pki);

  ServerSettings one_site(const std::vector<std::string>& names = {"example.com"}) {
    test::LeafFiles files = pki.leaf("site", {.dns = names});
    ServerSettings settings;
    settings.certificates.push_back({files.certificate, files.key});
    return settings;
  }

  std::shared_ptr<const ServerTls> build(const ServerSettings& settings) {
    std::string error;
    auto tls = ServerTls::build(settings, error);
    EXPECT_TRUE(tls) << error;
    EXPECT_EQ(error, "");
    return tls;
  }

  // The error build() gives, checked to be check_server_settings()'s too.
  std::string failure(const ServerSettings& settings) {
    std::string error;
    EXPECT_FALSE(ServerTls::build(settings, error));
    std::vector<std::string> problems = check_server_settings(settings);
    EXPECT_EQ(problems.size(), 1u);
    if (!problems.empty()) {
      EXPECT_EQ(problems.front(), error);
    }
    return error;
  }
};

TEST_F(TlsServer, BuildsWithOneCertificate) {
  auto tls = build(one_site({"example.com", "www.example.com"}));
  ASSERT_TRUE(tls);
  ASSERT_EQ(tls->certificates().size(), 1u);
  const CertificateInfo& info = tls->certificates().front();
  EXPECT_EQ(info.file, dir.file("site.pem"));
  EXPECT_EQ(info.names, (std::vector<std::string>{"example.com", "www.example.com"}));
  EXPECT_NE(info.subject.find("CN=example.com"), std::string::npos) << info.subject;
  std::int64_t now = std::time(nullptr);
  EXPECT_LT(info.not_before, now);
  EXPECT_GT(info.not_after, now + 29 * 86400);
  EXPECT_TRUE(check_server_settings(one_site()).empty());
}

TEST_F(TlsServer, BuildsWithTwoCertificates) {
  ServerSettings settings = one_site();
  test::LeafFiles other = pki.leaf("other", {.dns = {"other.test"}});
  settings.certificates.push_back({other.certificate, other.key});
  auto tls = build(settings);
  ASSERT_TRUE(tls);
  ASSERT_EQ(tls->certificates().size(), 2u);
  EXPECT_EQ(tls->certificates()[1].names, std::vector<std::string>{"other.test"});
}

TEST_F(TlsServer, EachFailureNamesTheFileAndTheReason) {
  test::LeafFiles good = pki.leaf("good", {.dns = {"example.com"}});
  std::string garbage = pki.garbage("garbage.pem");
  std::string missing = dir.file("missing.pem");
  test::LeafFiles expired =
      pki.leaf("expired", {.dns = {"example.com"}, .not_before = -48h, .not_after = -24h});
  test::LeafFiles early =
      pki.leaf("early", {.dns = {"example.com"}, .not_before = 24h, .not_after = 48h});
  struct Case {
    CertificateFiles files;
    std::string expected;
  };
  const Case cases[] = {
      {{missing, good.key}, missing + ": cannot be read (No such file or directory)"},
      {{dir.path(), good.key}, dir.path() + ": cannot be read (Is a directory)"},
      {{garbage, good.key}, garbage + ": not a PEM file"},
      {{good.key, good.key}, good.key + ": no certificate in the file"},
      {{good.certificate, garbage}, garbage + ": not a PEM file"},
      {{good.certificate, good.certificate}, good.certificate + ": no usable private key"},
      {{good.certificate, pki.mismatched_key("stranger")},
       dir.file("stranger.key") + ": the key does not match the certificate in " +
           good.certificate},
      {{expired.certificate, expired.key}, expired.certificate + ": expired on "},
      {{early.certificate, early.key}, early.certificate + ": not valid before "},
  };
  for (const Case& c : cases) {
    ServerSettings settings;
    settings.certificates.push_back(c.files);
    EXPECT_EQ(failure(settings).rfind(c.expected, 0), 0u) << "expected: " << c.expected;
  }
}

TEST_F(TlsServer, SettingsProblemsAreNamed) {
  ServerSettings settings = one_site();
  settings.ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:NO-SUCH-CIPHER";
  EXPECT_EQ(failure(settings),
            "ciphers: no TLS 1.2 cipher matches \"NO-SUCH-CIPHER\" (TLS 1.3 suites belong in "
            "ciphersuites)");
  settings = one_site();
  settings.ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_NOPE";
  EXPECT_EQ(failure(settings), "ciphersuites: unknown TLS 1.3 suite \"TLS_NOPE\"");
  settings = one_site();
  settings.min_version = "1.1";
  EXPECT_EQ(failure(settings), "min_version: must be \"1.2\" or \"1.3\", not \"1.1\"");
  settings = one_site();
  settings.alpn = {""};
  EXPECT_EQ(failure(settings), "alpn: \"\" is not a protocol name (1 to 255 bytes)");
  EXPECT_EQ(failure(ServerSettings{}), "no certificate configured");
}

TEST_F(TlsServer, EveryProblemIsListed) {
  ServerSettings settings = one_site();
  settings.min_version = "1.0";
  settings.certificates.push_back({dir.file("a.pem"), dir.file("a.key")});
  std::vector<std::string> problems = check_server_settings(settings);
  ASSERT_EQ(problems.size(), 2u);
  std::string error;
  ServerTls::build(settings, error);
  EXPECT_EQ(error, problems[0] + "; " + problems[1]);
}

TEST_F(TlsServer, SniChoosesExactThenWildcardElseDefault) {
  ServerSettings settings = one_site({"default.test"});
  test::LeafFiles wildcard = pki.leaf("wildcard", {.dns = {"*.example.com"}});
  test::LeafFiles api = pki.leaf("api", {.dns = {"api.example.com"}});
  settings.certificates.push_back({wildcard.certificate, wildcard.key});
  settings.certificates.push_back({api.certificate, api.key});
  auto tls = build(settings);
  ASSERT_TRUE(tls);
  const std::pair<std::string, std::string> expected[] = {
      {"api.example.com", "api.example.com"}, {"API.Example.COM", "api.example.com"},
      {"www.example.com", "*.example.com"},   {"a.b.example.com", "default.test"},
      {"example.com", "default.test"},        {"other.org", "default.test"},
  };
  for (const auto& [host, name] : expected) {
    MemoryConnection connection(*tls, *client, {.sni = host, .verify_host = false});
    ASSERT_TRUE(connection.handshake()) << host << ": " << connection.client_error();
    EXPECT_EQ(testing::peer_names(connection.client()), std::vector<std::string>{name}) << host;
  }
  MemoryConnection verified(*tls, *client, {.sni = "www.example.com"});
  ASSERT_TRUE(verified.handshake()) << verified.client_error();
  EXPECT_TRUE(tls->covers(verified.server(), "www.example.com"));
  EXPECT_TRUE(tls->covers(verified.server(), "API.example.com"));
  EXPECT_FALSE(tls->covers(verified.server(), "example.com"));
  EXPECT_FALSE(tls->covers(verified.server(), "default.test"));
}

TEST_F(TlsServer, NoSniGetsTheDefault) {
  ServerSettings settings = one_site({"default.test"});
  test::LeafFiles other = pki.leaf("other", {.dns = {"other.test"}});
  settings.certificates.push_back({other.certificate, other.key});
  auto tls = build(settings);
  MemoryConnection connection(*tls, *client, {});
  ASSERT_TRUE(connection.handshake()) << connection.client_error();
  EXPECT_EQ(testing::peer_names(connection.client()), std::vector<std::string>{"default.test"});
  EXPECT_TRUE(tls->covers(connection.server(), "default.test"));
}

TEST_F(TlsServer, ClientRefusesAWrongHost) {
  auto tls = build(one_site({"example.com"}));
  MemoryConnection connection(*tls, *client, {.sni = "example.org"});
  EXPECT_FALSE(connection.handshake());
  EXPECT_EQ(connection.client_error(), "certificate verify failed");
  EXPECT_EQ(SSL_get_verify_result(connection.client()), X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST_F(TlsServer, ClientChecksAnAddressWithoutSni) {
  test::LeafFiles files = pki.leaf("local", {.dns = {"localhost"}, .ips = {"127.0.0.1", "::1"}});
  ServerSettings settings;
  settings.certificates.push_back({files.certificate, files.key});
  auto tls = build(settings);
  for (std::string host : {"127.0.0.1", "[::1]"}) {
    MemoryConnection connection(*tls, *client, {.sni = host});
    ASSERT_TRUE(connection.handshake()) << host << ": " << connection.client_error();
    EXPECT_EQ(SSL_get_servername(connection.server(), TLSEXT_NAMETYPE_host_name), nullptr);
  }
  MemoryConnection wrong(*tls, *client, {.sni = "127.0.0.2"});
  EXPECT_FALSE(wrong.handshake());
  EXPECT_EQ(SSL_get_verify_result(wrong.client()), X509_V_ERR_IP_ADDRESS_MISMATCH);
}

TEST_F(TlsServer, RefusesTls10And11) {
  auto tls = build(one_site());
  for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    MemoryConnection connection(
        *tls, *client, {.sni = "example.com", .min_version = version, .max_version = version});
    EXPECT_FALSE(connection.handshake()) << version;
    EXPECT_EQ(connection.server_error(), "unsupported protocol") << version;
  }
}

TEST_F(TlsServer, Tls12OnlyWhenTheMinimumAllowsIt) {
  ServerSettings settings = one_site();
  auto tls = build(settings);
  ClientOptions tls12{.sni = "example.com", .max_version = TLS1_2_VERSION};
  MemoryConnection allowed(*tls, *client, tls12);
  ASSERT_TRUE(allowed.handshake()) << allowed.server_error();
  EXPECT_EQ(SSL_version(allowed.server()), TLS1_2_VERSION);
  EXPECT_STREQ(SSL_get_cipher_name(allowed.server()), "ECDHE-ECDSA-AES128-GCM-SHA256");

  settings.min_version = "1.3";
  auto strict = build(settings);
  MemoryConnection refused(*strict, *client, tls12);
  EXPECT_FALSE(refused.handshake());
  EXPECT_EQ(refused.server_error(), "unsupported protocol");
  MemoryConnection modern(*strict, *client, {.sni = "example.com"});
  ASSERT_TRUE(modern.handshake()) << modern.server_error();
  EXPECT_EQ(SSL_version(modern.server()), TLS1_3_VERSION);
}

TEST_F(TlsServer, AlpnPicksOurFirstProtocolTheClientOffers) {
  ServerSettings settings = one_site();
  auto tls = build(settings);
  const std::pair<std::string, std::string> offers[] = {
      {std::string("\x02h2\x08http/1.1", 12), "http/1.1"},
      {std::string("\x08http/1.1"), "http/1.1"},
      {std::string("\x02h2"), ""},  // nothing we speak: no ALPN, the handshake goes on
      {std::string(), ""},          // no ALPN offered
  };
  for (const auto& [offer, chosen] : offers) {
    MemoryConnection connection(*tls, *client, {.sni = "example.com", .alpn = offer});
    ASSERT_TRUE(connection.handshake()) << connection.server_error();
    EXPECT_EQ(connection.alpn(), chosen);
  }
  settings.alpn = {"h2", "http/1.1"};
  auto h2 = build(settings);
  MemoryConnection preferred(*h2, *client,
                             {.sni = "example.com", .alpn = std::string("\x08http/1.1\x02h2", 12)});
  ASSERT_TRUE(preferred.handshake());
  EXPECT_EQ(preferred.alpn(), "h2");  // the server's order wins
}

// A first connection's session, and whether a second one offering it resumed.
bool resumes(const ServerTls& first, const ServerTls& second, boost::asio::ssl::context& client,
             ClientOptions options) {
  MemoryConnection initial(first, client, options);
  EXPECT_TRUE(initial.handshake()) << initial.server_error();
  testing::Session session = initial.session();
  EXPECT_TRUE(session && SSL_SESSION_is_resumable(session.get()));
  options.resume = session.get();
  MemoryConnection again(second, client, options);
  EXPECT_TRUE(again.handshake()) << again.server_error();
  return again.resumed();
}

TEST_F(TlsServer, ResumesTls13WithATicket) {
  auto tls = build(one_site());
  EXPECT_TRUE(resumes(*tls, *tls, *client, {.sni = "example.com"}));
}

TEST_F(TlsServer, ResumesTls12WithATicketOrTheSessionCache) {
  ServerSettings settings = one_site();
  auto tls = build(settings);
  ClientOptions tls12{.sni = "example.com", .max_version = TLS1_2_VERSION};
  EXPECT_TRUE(resumes(*tls, *tls, *client, tls12));
  settings.session_tickets = false;
  auto cached = build(settings);
  EXPECT_TRUE(resumes(*cached, *cached, *client, tls12));
}

TEST_F(TlsServer, TicketsOutliveTheServerTlsThatIssuedThem) {
  ServerSettings settings = one_site();
  auto before = build(settings);
  auto after = build(settings);  // as after a reload: new contexts, the same ticket keys
  EXPECT_TRUE(resumes(*before, *after, *client, {.sni = "example.com"}));
  EXPECT_TRUE(
      resumes(*before, *after, *client, {.sni = "example.com", .max_version = TLS1_2_VERSION}));
}

TEST_F(TlsServer, TicketKeysRotate) {
  auto tls = build(one_site());
  ClientOptions options{.sni = "example.com", .max_version = TLS1_2_VERSION};
  MemoryConnection initial(*tls, *client, options);
  ASSERT_TRUE(initial.handshake());
  testing::Session session = initial.session();
  options.resume = session.get();
  rotate_ticket_keys_for_test();  // the ticket's key is now the previous one: still accepted
  MemoryConnection once(*tls, *client, options);
  ASSERT_TRUE(once.handshake());
  EXPECT_TRUE(once.resumed());
  rotate_ticket_keys_for_test();
  rotate_ticket_keys_for_test();  // gone from the ring
  SSL_CTX_flush_sessions(tls->context().native_handle(), std::time(nullptr) + 86400 * 365);
  MemoryConnection twice(*tls, *client, options);
  ASSERT_TRUE(twice.handshake());
  EXPECT_FALSE(twice.resumed());
}

TEST(TlsNames, WildcardsCoverOneLabel) {
  EXPECT_TRUE(name_covers("example.com", "EXAMPLE.com"));
  EXPECT_TRUE(name_covers("example.com", "example.com."));
  EXPECT_TRUE(name_covers("*.example.com", "a.example.com"));
  EXPECT_FALSE(name_covers("*.example.com", "example.com"));
  EXPECT_FALSE(name_covers("*.example.com", ".example.com"));
  EXPECT_FALSE(name_covers("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(name_covers("*.example.com", "aexample.com"));
  EXPECT_FALSE(name_covers("example.com", "www.example.com"));
}

TEST(TlsClient, ReportsAnUnloadableCaFile) {
  std::string error;
  EXPECT_FALSE(client_context(ClientSettings{"/nonexistent/ca.pem", true}, error));
  EXPECT_EQ(error.rfind("/nonexistent/ca.pem: cannot load CA certificates", 0), 0u) << error;
  error.clear();
  EXPECT_TRUE(client_context(ClientSettings{}, error)) << error;  // the system store
}

}  // namespace
}  // namespace ew::tls
