// YAML guard: the input on which yaml-cpp's LoadAll would never return, found with its parser.
#include "spec/yaml_guard.h"

#include <sstream>
#include <string>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace cutover::spec_internal {
namespace {

// Keeps only where the last document started; every other event is ignored.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  YAML::Mark start = YAML::Mark::null_mark();
};

}  // namespace

std::optional<StuckPoint> FindEndlessDocuments(std::string_view yaml) {
  std::istringstream input{std::string(yaml)};
  try {
    YAML::Parser parser(input);
    DocumentStarts events;
    int previous = -1;
    while (parser.HandleNextDocument(events)) {
      if (events.start.pos == previous) {
        const auto at = static_cast<size_t>(events.start.pos);
        return StuckPoint{events.start.line, events.start.column,
                          at < yaml.size() ? yaml[at] : '\0'};
      }
      previous = events.start.pos;
    }
  } catch (const YAML::Exception&) {
    // LoadAll reports it.
  }
  return std::nullopt;
}

}  // namespace cutover::spec_internal
