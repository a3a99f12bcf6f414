// Fuzzes the spec loader (include/cutover/spec.h) on YAML text through ParseSpec, the string
// entry point LoadSpec uses after reading the file. The environment is a fixed lookup (every
// ${VAR} is "x"), so runs do not depend on the machine. Must return a Spec or an
// InvalidArgument; a crash, a sanitizer report or an exception is a finding.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cutover/spec.h"

namespace {

std::optional<std::string> FixedEnv(const std::string& name) {
  static_cast<void>(name);
  return std::string("x");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view yaml(reinterpret_cast<const char*>(data), size);
  cutover::LoadOptions options;
  options.getenv = &FixedEnv;
  cutover::Result<cutover::Spec> spec = cutover::ParseSpec(yaml, "/nonexistent/fuzz.yaml", options);
  if (!spec.ok()) static_cast<void>(spec.status().ToString());
  return 0;
}
