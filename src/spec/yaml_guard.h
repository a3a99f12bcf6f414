// YAML guard: finds, before yaml-cpp builds any node, the input on which yaml-cpp 0.7's LoadAll
// never returns (fuzz finding 5, docs/fuzzing.md).
#pragma once

#include <optional>
#include <string_view>

namespace cutover::spec_internal {

// Where yaml-cpp's document loop would stop making progress.
struct StuckPoint {
  int line = 0;    // 0-based
  int column = 0;  // 0-based
  char token = 0;  // the character yaml-cpp cannot start a node with, e.g. ','
};

// yaml-cpp 0.7 treats a ',' outside [ ] and { } where a top-level value or the next document
// would start ("name: x\n,y", "a  # note\n,b") as an empty node it never consumes, so LoadAll
// appends empty documents until memory runs out. This walks the documents with yaml-cpp's event
// parser (no nodes are built) and returns the point where a document would start at the same
// place as the previous one, or nullopt when the documents end (or yaml-cpp throws: LoadAll
// then throws the same syntax error). Each step consumes input, so the walk is bounded by the
// text's length.
std::optional<StuckPoint> FindEndlessDocuments(std::string_view yaml);

}  // namespace cutover::spec_internal
