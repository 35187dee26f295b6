// The seed CI's "Update monitoring" body, {"deployment":{"environment","version","timestamp"}},
// validated strictly, and the API's JSON answers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deploy/deploy.h"
#include "util/time.h"

namespace ew::deploy {

constexpr std::size_t kMaxEnvironment = 64;
constexpr std::size_t kMaxVersion = 128;
// A deployment may be reported up to a day ahead of edgewatch's clock (skew), never more.
constexpr std::int64_t kMaxFutureMs = 86'400'000;

struct ParsedDeployment {
  Deployment deployment;
  std::vector<std::string> problems;  // empty when valid; each names the field and the fault
};

ParsedDeployment parse_deployment(std::string_view body, std::int64_t now_ms);

std::string deployment_json(const Deployment& d);                   // {"deployment":{...}}
std::string deployments_json(const std::vector<Deployment>& list);  // {"deployments":[...]}
// {"error":{"code":"invalid_deployment","message":...,"problems":[...],"request_id":...}}
std::string problems_json(const std::vector<std::string>& problems, std::string_view request_id);

}  // namespace ew::deploy
