#include "storage/records.h"

namespace ew::storage {

std::string_view to_string(IssueStatus status) {
  switch (status) {
    case IssueStatus::kResolved:
      return "resolved";
    case IssueStatus::kIgnored:
      return "ignored";
    case IssueStatus::kUnresolved:
      break;
  }
  return "unresolved";
}

std::optional<IssueStatus> parse_issue_status(std::string_view text) {
  if (text == "unresolved") return IssueStatus::kUnresolved;
  if (text == "resolved") return IssueStatus::kResolved;
  if (text == "ignored") return IssueStatus::kIgnored;
  return std::nullopt;
}

}  // namespace ew::storage
