// [admin] belongs to the auth module: with no other module declared, the token configures the
// gate that every admin endpoint asks.
#include <gtest/gtest.h>

#include "auth/auth.h"
#include "core/router.h"

namespace ew::auth {
namespace {

TEST(AuthModule, OwnsTheAdminSectionAndConfiguresTheGate) {
  auto gate = std::make_shared<AdminGate>();
  ModulePtr module = make_auth_module(gate);
  config::Schema schema;
  module->declare(schema);
  config::Sources sources;
  sources.environment = {{"EDGEWATCH_ADMIN_TOKEN", "token-of-twenty-chars"},
                         {"EDGEWATCH_ADMIN_FAILURES_PER_MINUTE", "1"}};
  std::vector<std::string> problems;
  config::Settings settings = config::load(schema, sources, problems);
  ASSERT_TRUE(problems.empty()) << problems.front();
  Router router;
  Registrar registrar(router);
  module->start(settings, registrar);
  EXPECT_EQ(gate->token(), "token-of-twenty-chars");
  EXPECT_EQ(admin_token(settings), "token-of-twenty-chars");

  Request granted;
  granted.mutable_headers().push_back({"Authorization", "Bearer token-of-twenty-chars"});
  EXPECT_TRUE(gate->allows(granted));
  Request wrong;
  wrong.client_address = "192.0.2.1";
  wrong.mutable_headers().push_back({"Authorization", "Bearer nope"});
  EXPECT_EQ(gate->refusal(wrong)->status, 401);
  EXPECT_EQ(gate->refusal(wrong)->status, 429);  // failures_per_minute = 1 was applied
}

}  // namespace
}  // namespace ew::auth
