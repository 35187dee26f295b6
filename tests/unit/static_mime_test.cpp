// MIME table, and the hashed-name pattern that decides year-long caching.
#include <gtest/gtest.h>

#include "static/loader.h"
#include "static/mime.h"

namespace ew::static_files {
namespace {

TEST(StaticMime, CommonTypesWithCharsetOnText) {
  struct Case {
    const char* path;
    const char* type;
    bool compressible;
  };
  for (Case c : {Case{"/index.html", "text/html; charset=utf-8", true},
                 Case{"/a.js", "text/javascript; charset=utf-8", true},
                 Case{"/a.mjs", "text/javascript; charset=utf-8", true},
                 Case{"/a.css", "text/css; charset=utf-8", true},
                 Case{"/a.json", "application/json; charset=utf-8", true},
                 Case{"/a.js.map", "application/json; charset=utf-8", true},
                 Case{"/a.svg", "image/svg+xml; charset=utf-8", true},
                 Case{"/a.txt", "text/plain; charset=utf-8", true},
                 Case{"/a.xml", "application/xml; charset=utf-8", true},
                 Case{"/site.webmanifest", "application/manifest+json; charset=utf-8", true},
                 Case{"/a.wasm", "application/wasm", true},
                 Case{"/a.ico", "image/x-icon", true},
                 Case{"/a.ttf", "font/ttf", true},
                 Case{"/a.otf", "font/otf", true},
                 Case{"/a.png", "image/png", false},
                 Case{"/a.jpg", "image/jpeg", false},
                 Case{"/a.jpeg", "image/jpeg", false},
                 Case{"/a.gif", "image/gif", false},
                 Case{"/a.webp", "image/webp", false},
                 Case{"/a.avif", "image/avif", false},
                 Case{"/a.woff", "font/woff", false},
                 Case{"/a.woff2", "font/woff2", false},
                 Case{"/a.mp4", "video/mp4", false},
                 Case{"/a.webm", "video/webm", false},
                 Case{"/a.pdf", "application/pdf", false},
                 Case{"/a.zip", "application/zip", false}}) {
    MimeInfo m = mime_for_path(c.path);
    EXPECT_EQ(m.type, c.type) << c.path;
    EXPECT_EQ(m.compressible, c.compressible) << c.path;
  }
}

TEST(StaticMime, CaseInsensitiveAndUnknownIsOctetStream) {
  EXPECT_EQ(mime_for_path("/LOGO.PNG").type, "image/png");
  EXPECT_EQ(mime_for_path("/a.unknownext").type, "application/octet-stream");
  EXPECT_EQ(mime_for_path("/README").type, "application/octet-stream");
  EXPECT_EQ(mime_for_path("/.env").type, "application/octet-stream");
  EXPECT_FALSE(mime_for_path("/a.bin").compressible);
}

TEST(StaticMime, Extension) {
  EXPECT_EQ(file_extension("/a/b.min.js"), "js");
  EXPECT_EQ(file_extension("/a.b/c"), "");
  EXPECT_EQ(file_extension("/settings/profile"), "");
  EXPECT_EQ(file_extension("/.env"), "");
  EXPECT_EQ(file_extension("/dir/"), "");
}

TEST(StaticHashedName, DefaultPatternMatchesViteAndWebpackNames) {
  Loader loader(StaticOptions{});
  for (const char* hashed :
       {"/assets/index-4f3a9c1e.js", "/assets/index-BwYb0KlL.js", "/assets/index-DiwrgTda.css",
        "/assets/react-CHdo91hT.svg", "/assets/About-x_Y-z9Qw.js", "/assets/index-4f3a9c1e.js.map",
        "/assets/inter-latin-400-normal-BOOGhInR.woff2", "/assets/Dialog-_a-b_c-1.js"}) {
    EXPECT_TRUE(loader.is_hashed_name(hashed)) << hashed;
  }
}

TEST(StaticHashedName, DefaultPatternRejectsPlainNames) {
  Loader loader(StaticOptions{});
  for (const char* plain :
       {"/index.html", "/favicon.svg", "/robots.txt", "/my-application.js", "/vite.svg",
        "/jquery-3.7.1.min.js", "/favicon-32x32.png", "/assets/logo.png", "/sw.js",
        "/assets-4f3a9c1e/app.js", "/apple-touch-icon.png", "/manifest.webmanifest",
        "/my-settings.js", "/android-chrome-192x192.png", "/og-image-20240101.png",
        "/logo-BRANDNEW.png", "/assets/vendor-a1b2c3d4e5f6.js", "/assets/index-4f3a9c1.js"}) {
    EXPECT_FALSE(loader.is_hashed_name(plain)) << plain;
  }
}

TEST(StaticHashedName, PatternIsConfigurableOrOff) {
  StaticOptions o;
  o.hashed_name_pattern = R"(\.[0-9a-f]{20}\.(js|css)$)";  // webpack "[name].[contenthash]"
  Loader webpack(o);
  EXPECT_TRUE(webpack.is_hashed_name("/main.0123456789abcdef0123.js"));
  EXPECT_FALSE(webpack.is_hashed_name("/assets/index-4f3a9c1e.js"));
  o.hashed_name_pattern = "";
  Loader none(o);
  EXPECT_FALSE(none.is_hashed_name("/assets/index-4f3a9c1e.js"));
}

}  // namespace
}  // namespace ew::static_files
