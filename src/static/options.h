// The static module's settings as plain values, so the site can be built and tested without
// the configuration loader. Defaults here are the documented defaults of [static].
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ew::static_files {

// Vite (Rollup) names built assets "name-<hash>.ext" with an 8-character base64url hash
// ("index-BwYb0KlL.js"; older versions used 8 hex digits). The pattern asks for exactly those
// 8 characters between the last '-' and the extension, with at least one lower-case letter and
// one digit or upper-case letter, so that plain names ("my-settings.js",
// "android-chrome-192x192.png", "og-image-20240101.png") are not mistaken for hashed ones and
// cached for a year. A real hash that fails the test (about 1.5% of them) merely gets the
// shorter default policy. Other bundlers' schemes: set hashed_name_pattern.
inline constexpr std::string_view kDefaultHashedNamePattern =
    R"(-(?=[A-Za-z0-9_-]{0,7}[0-9A-Z])(?=[A-Za-z0-9_-]{0,7}[a-z]))"
    R"([A-Za-z0-9_-]{8}(\.[A-Za-z0-9]+)+$)";

// Works for a Vite-built React SPA: Vite emits external module scripts and stylesheets (no
// inline script), inlines small assets as data: URLs, and libraries such as Radix UI and
// CSS-in-JS inject <style> elements at runtime, hence 'unsafe-inline' for styles only.
inline constexpr std::string_view kDefaultCsp =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "media-src 'self' blob:; worker-src 'self' blob:; manifest-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'self'";
inline constexpr std::string_view kDefaultPermissionsPolicy =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
inline constexpr std::string_view kDefaultHsts = "max-age=63072000; includeSubDomains";

struct SecurityHeaders {
  // Each header is omitted when its value is empty.
  std::string content_security_policy{kDefaultCsp};
  std::string frame_options = "SAMEORIGIN";
  std::string referrer_policy = "strict-origin-when-cross-origin";
  std::string permissions_policy{kDefaultPermissionsPolicy};
  std::string cross_origin_opener_policy = "same-origin";
  std::string hsts{kDefaultHsts};  // sent only over TLS or behind a trusted proxy saying https
};

struct StaticOptions {
  std::string root;  // empty: the module is disabled
  std::uint64_t max_cached_file_size = 1 << 20;
  std::uint64_t compress_min_size = 1024;
  std::string hashed_name_pattern{kDefaultHashedNamePattern};
  std::string hashed_cache_control = "public, max-age=31536000, immutable";
  std::string default_cache_control = "public, max-age=3600";
  std::string html_cache_control = "no-cache";
  bool spa_fallback = true;
  std::vector<std::string> fallback_exclude = {"/api/", "/_edgewatch/"};
  bool allow_dotfiles = false;
  bool watch = false;
  SecurityHeaders security;
  std::vector<std::string> trusted_proxies;  // CIDRs whose X-Forwarded-Proto is believed
};

}  // namespace ew::static_files
