// Diagnostics: collects spec problems and renders them sorted by their place in the file.
#include "spec/diagnostics.h"

#include <algorithm>

namespace cutover::spec_internal {

void Diagnostics::Add(Place place, std::string_view path, std::string_view text) {
  std::string line = origin_;
  line += ": ";
  line += path;
  line += ": ";
  line += text;
  problems_.push_back({place, std::move(line)});
}

Status Diagnostics::ToStatus() const {
  if (problems_.empty()) return Status::Ok();
  std::vector<Problem> sorted = problems_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Problem& a, const Problem& b) {
    if (a.place.line != b.place.line) return a.place.line < b.place.line;
    return a.place.column < b.place.column;
  });
  std::string message;
  for (const Problem& problem : sorted) {
    if (!message.empty()) message += '\n';
    message += problem.line;
  }
  return Status::InvalidArgument(message);
}

}  // namespace cutover::spec_internal
