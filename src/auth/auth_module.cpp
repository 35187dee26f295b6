#include <spdlog/spdlog.h>

#include "auth/auth.h"
#include "config/keys.h"

namespace ew::auth {
namespace {

using config::Kind;

class AuthModule final : public Module {
 public:
  explicit AuthModule(std::shared_ptr<AdminGate> gate) : gate_(std::move(gate)) {}

  std::string_view name() const override { return "auth"; }

  void declare(config::Schema& schema) override {
    auto& admin = schema.section("admin", "The admin token: query API, operations API, dashboard");
    config::KeySpec token =
        config::key("token", Kind::kString, "",
                    "Bearer token for /_edgewatch/api/ and the dashboard; empty closes them (401)");
    token.secret = true;
    admin.keys = {
        token,
        config::bounded(
            "failures_per_minute", Kind::kInt, "10",
            "Wrong admin tokens (sign-in form and Authorization: Bearer together) one client "
            "address may send per minute; more get 429 with Retry-After. 0 = unlimited",
            0, 1'000'000),
    };
  }

  void start(const config::Settings& settings, Registrar& registrar) override {
    (void)registrar;
    const config::Table& admin = settings.section("admin");
    gate_->configure(admin.get_string("token"),
                     static_cast<int>(admin.get_int("failures_per_minute")));
    if (gate_->token().empty()) {
      spdlog::info("admin API and dashboard closed (set admin.token to open them)");
    } else if (gate_->token().size() < 16) {
      spdlog::warn("admin.token is shorter than 16 characters");
    }
  }

 private:
  std::shared_ptr<AdminGate> gate_;
};

}  // namespace

std::string admin_token(const config::Settings& settings) {
  return settings.section("admin").get_string("token");
}

ModulePtr make_auth_module(std::shared_ptr<AdminGate> gate) {
  return std::make_unique<AuthModule>(std::move(gate));
}

}  // namespace ew::auth
