#include "health/health.h"

#include <memory>

namespace ew::health {
namespace {

class HealthModule final : public Module {
 public:
  std::string_view name() const override { return "health"; }
  void declare(config::Schema&) override {}

  void start(const config::Settings&, Registrar& registrar) override {
    // The whole answer is built once; each request only points at it.
    auto headers = std::make_shared<const std::string>(
        "Content-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\n");
    auto body = std::make_shared<const std::string>("healthy\n");
    RouteOptions options;
    options.access_log = false;
    options.name = "health";
    registrar.router().exact(
        kGetHead, "/health",
        [headers, body](Request&, Responder& responder) {
          Response response(200);
          response.add_header_block({headers, *headers});
          response.shared_body = SharedBytes{body, *body};
          responder.send(std::move(response));
        },
        options);
  }
};

}  // namespace

ModulePtr make_health_module() {
  return std::make_unique<HealthModule>();
}

}  // namespace ew::health
