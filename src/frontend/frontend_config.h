// The [frontend] section: the seed's EnvironmentConfig, served as GET /config.json so that one
// build of the app runs in every environment instead of being rebuilt per VITE_* variable.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace ew::frontend {

void declare_frontend_settings(config::Schema& schema);
// Rules the schema cannot express: feature flag syntax, trusted domains, the CDN URL, the path.
void validate_frontend_settings(const config::Settings& settings,
                                std::vector<std::string>& problems);

// The seed's EnvironmentConfig as JSON, keys in the seed's order.
std::string environment_config_json(const config::Table& frontend);

// A file in the static root at the frontend's path, which the frontend's answer hides: the
// router answers the path from [frontend] before static files are looked at.
struct ShadowedFile {
  std::string file;                      // root + path
  std::vector<std::string> differences;  // JSON pointers where the two differ; empty: the same
};
// The file under `root` at `path` when there is one (nullopt otherwise), and how it differs from
// `served`. A file that is not JSON differs at "" (the whole document).
std::optional<ShadowedFile> shadowed_file(const std::string& root, const std::string& path,
                                          const std::string& served);
// The line logged at startup about a shadowed file, naming both.
std::string shadow_notice(const ShadowedFile& shadowed, const std::string& path);

// A strong ETag for a body: a quoted hash.
std::string etag_for(const std::string& body);

}  // namespace ew::frontend
