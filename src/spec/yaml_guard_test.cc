// Tests of the YAML guard: the texts on which yaml-cpp 0.7's LoadAll never returned (fuzz finding
// 5) are a spec error naming the line, and real specs pass it.
#include "spec/yaml_guard.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "cutover/spec.h"

#include "tests/support/paths.h"

namespace cutover {
namespace {

Status ParseError(std::string_view yaml) {
  LoadOptions options;
  options.getenv = [](const std::string&) -> std::optional<std::string> { return "x"; };
  return ParseSpec(yaml, "/specs/spec.yaml", options).status();
}

std::string CommaError(int line, int column) {
  return "InvalidArgument: /specs/spec.yaml: line " + std::to_string(line) + ", column " +
         std::to_string(column) +
         ": YAML syntax error: a value cannot start with ',' outside [ ] or { }; quote the text "
         "that starts with it or remove it";
}

// fuzz/crashes/fuzz_spec/crash-b24dec80...: the plain scalar "le" ends at its comment, and the
// next line starts with a ','.
TEST(YamlGuard, TheFuzzFindingIsASyntaxErrorNamingTheLine) {
  EXPECT_EQ(ParseError("# Mkindown\nle  # Mkindown\n,e   # shortfti # shortftim").ToString(),
            CommaError(3, 1));
}

TEST(YamlGuard, ACommaWhereATopLevelValueStartsIsASyntaxError) {
  EXPECT_EQ(ParseError(",\n").ToString(), CommaError(1, 1));
  EXPECT_EQ(ParseError("&anchor ,\n").ToString(), CommaError(1, 9));
  EXPECT_EQ(ParseError("[a]\n,\n").ToString(), CommaError(2, 1));
  EXPECT_EQ(ParseError("name: x\n...\n,\n").ToString(), CommaError(3, 1));
}

TEST(YamlGuard, CommasInsideValuesAndFlowCollectionsPass) {
  using spec_internal::FindEndlessDocuments;
  EXPECT_FALSE(FindEndlessDocuments("name: a, b\ntables: [{match: 'shop.*'}, {match: x}]\n"));
  EXPECT_FALSE(FindEndlessDocuments("a: 1\n---\nb: 2\n"));
  EXPECT_FALSE(FindEndlessDocuments(""));
  EXPECT_FALSE(FindEndlessDocuments("a: [b\n"));  // a syntax error LoadAll reports
}

TEST(YamlGuard, EveryExampleAndTestSpecPasses) {
  size_t specs = 0;
  for (const char* dir : {"examples", "tests"}) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(
             std::filesystem::path(cutover::testing::CheckoutDir()) / dir)) {
      if (entry.path().extension() != ".yaml" && entry.path().extension() != ".yml") continue;
      std::ifstream file(entry.path());
      std::stringstream text;
      text << file.rdbuf();
      EXPECT_FALSE(spec_internal::FindEndlessDocuments(text.str())) << entry.path();
      ++specs;
    }
  }
  EXPECT_GT(specs, 3u);
}

}  // namespace
}  // namespace cutover
