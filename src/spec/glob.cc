// Glob: table selection by `*`/`?` patterns on "schema.table", first matching entry wins.
#include <string>

#include "cutover/spec.h"

#include "spec/rules.h"

namespace cutover {

bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t pattern_pos = 0;
  size_t text_pos = 0;
  // Where the last '*' was seen, and the text position it is currently assumed to end at.
  size_t star_pos = std::string_view::npos;
  size_t star_text_pos = 0;
  while (text_pos < text.size()) {
    if (pattern_pos < pattern.size() &&
        (pattern[pattern_pos] == '?' || pattern[pattern_pos] == text[text_pos])) {
      ++pattern_pos;
      ++text_pos;
    } else if (pattern_pos < pattern.size() && pattern[pattern_pos] == '*') {
      star_pos = pattern_pos++;
      star_text_pos = text_pos;
    } else if (star_pos != std::string_view::npos) {
      pattern_pos = star_pos + 1;
      text_pos = ++star_text_pos;
    } else {
      return false;
    }
  }
  while (pattern_pos < pattern.size() && pattern[pattern_pos] == '*') ++pattern_pos;
  return pattern_pos == pattern.size();
}

const TableRule* SelectTable(const Spec& spec, std::string_view schema, std::string_view table) {
  if (table == kWatermarkTable || table == kFenceTable) return nullptr;  // cutover's own
  std::string qualified(schema);
  qualified += '.';
  qualified += table;
  for (const TableRule& rule : spec.tables) {
    if (!GlobMatch(rule.match, qualified)) continue;
    bool excluded = false;
    for (const std::string& exclude : rule.exclude) {
      excluded = excluded || GlobMatch(exclude, qualified);
    }
    if (!excluded) return &rule;
  }
  return nullptr;
}

Status CheckGlob(std::string_view pattern) {
  std::optional<std::string> problem = spec_internal::GlobProblem(pattern);
  return problem ? Status::InvalidArgument(*problem) : Status::Ok();
}

}  // namespace cutover

namespace cutover::spec_internal {

std::optional<std::string> GlobProblem(std::string_view pattern) {
  if (pattern.empty()) {
    return "empty pattern; write a glob on schema.table such as shop.* or *.orders";
  }
  size_t unsupported = pattern.find_first_of("[]{}\\");
  if (unsupported != std::string_view::npos) {
    return Quoted(pattern) + " uses '" + pattern[unsupported] +
           "', which is not supported; use * (any run of characters) and ? (one character)";
  }
  if (pattern.find_first_of(".*") == std::string_view::npos) {
    return Quoted(pattern) + " has no '.'; a pattern matches schema.table, e.g. *." +
           std::string(pattern) + " or shop." + std::string(pattern);
  }
  return std::nullopt;
}

}  // namespace cutover::spec_internal
