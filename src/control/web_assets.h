// WebAssets: the web page's files (src/control/web: HTML, CSS, JavaScript), built into the
// binary by cmake/embed_web.cmake, so that the page works with no network and no files beside
// the executable (docs/web.md).
#pragma once

#include <span>
#include <string_view>

namespace cutover::control {

struct WebAsset {
  std::string_view path;          // "/" for index.html, "/web/<name>" for the others
  std::string_view content_type;  // "text/html; charset=utf-8", ...
  std::string_view body;
};

// Every asset; the storage is static.
std::span<const WebAsset> WebAssets();

}  // namespace cutover::control
