// TestHooks: CUTOVER_TEST_PAUSE_AT parsing and the pause/kill at the named point.
#include "pipeline/test_hooks.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace cutover::pipeline {
namespace {

struct PauseSpec {
  std::string point;
  long count = 0;
  bool kill = false;
};

PauseSpec ReadPauseSpec() {
  PauseSpec spec;
  const char* env = std::getenv("CUTOVER_TEST_PAUSE_AT");
  if (env == nullptr) return spec;
  std::string text = env;
  size_t colon = text.find(':');
  if (colon == std::string::npos) return spec;
  spec.point = text.substr(0, colon);
  std::string rest = text.substr(colon + 1);
  size_t second = rest.find(':');
  spec.count = std::strtol(rest.substr(0, second).c_str(), nullptr, 10);
  spec.kill = second != std::string::npos && rest.substr(second + 1) == "kill";
  return spec;
}

}  // namespace

void TEST_PausePoint(std::string_view point) {
  static const PauseSpec spec = ReadPauseSpec();
  static std::atomic<long> hits{0};
  if (spec.point.empty() || point != spec.point) return;
  if (hits.fetch_add(1) + 1 != spec.count) return;
  if (spec.kill) std::raise(SIGKILL);
  std::fprintf(stderr, "cutover: TEST pause at %s:%ld\n", spec.point.c_str(), spec.count);
  std::fflush(stderr);
  while (true) std::this_thread::sleep_for(std::chrono::seconds(1));
}

}  // namespace cutover::pipeline
