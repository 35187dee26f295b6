// What this binary is: the seed's __APP_VERSION__ and __BUILD_DATE__, plus the git commit.
#pragma once

namespace ew::build_info {

extern const char* const kVersion;
extern const char* const kGitCommit;
extern const char* const kBuildDate;

}  // namespace ew::build_info
