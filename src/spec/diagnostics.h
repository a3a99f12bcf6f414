// Diagnostics: collects every problem found in a spec, one line each, and renders them in
// document order as `<origin>: <path>: <what is wrong>; <what is allowed / the fix>`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cutover/status.h"

namespace cutover::spec_internal {

// A place in the YAML text, 0-based as yaml-cpp reports it. Sorting uses it.
struct Place {
  int line = 0;
  int column = 0;
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string origin) : origin_(std::move(origin)) {}

  // Records a problem with the field at `path` (e.g. "tables[2].filter"), found at `place`.
  // `text` is "<what is wrong>; <what is allowed / the fix>" and never holds a secret value.
  void Add(Place place, std::string_view path, std::string_view text);

  bool empty() const { return problems_.empty(); }
  size_t size() const { return problems_.size(); }
  const std::string& origin() const { return origin_; }

  // OK when nothing was recorded; otherwise InvalidArgument with one line per problem, sorted
  // by place (problems at the same place keep the order they were found in).
  Status ToStatus() const;

 private:
  struct Problem {
    Place place;
    std::string line;  // the rendered line
  };
  std::string origin_;
  std::vector<Problem> problems_;
};

}  // namespace cutover::spec_internal
