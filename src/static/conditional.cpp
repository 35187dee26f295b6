#include "static/conditional.h"

#include "static/http_date.h"
#include "static/text.h"

namespace ew::static_files {

bool if_range_holds(std::string_view header, std::string_view etag, std::int64_t mtime) {
  header = trim_ows(header);
  if (header.starts_with("W/")) return false;
  if (header.starts_with("\"")) return header == etag && !etag.starts_with("W/");
  std::optional<std::int64_t> date = parse_http_date(header);
  return date && *date == mtime;
}

}  // namespace ew::static_files
