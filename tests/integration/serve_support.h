// Helpers of the control API tests: `cutover serve SPEC` in the background, and the port it
// reports listening on.
#pragma once

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <thread>

#include "run_support.h"

namespace cutover::runtest {

// Starts `cutover serve <spec>` with `CUTOVER_CONTROL_TOKEN=<token>`, its output appended to
// `output`, and waits up to 20 s for `control API listening on http://127.0.0.1:PORT`: the port,
// or 0 (after a test failure naming the output) when it did not say so.
inline int StartServe(const std::filesystem::path& spec, const std::string& token,
                      const std::filesystem::path& output,
                      std::unique_ptr<CutoverProcess>* server) {
  *server = std::make_unique<CutoverProcess>("serve " + spec.string(),
                                             "CUTOVER_CONTROL_TOKEN=" + token, output);
  std::regex listening(R"(control API listening on http://127\.0\.0\.1:(\d+))");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    std::string text = (*server)->Output();
    if (std::regex_search(text, match, listening)) return std::stoi(match[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "cutover serve did not start: " << (*server)->Output();
  return 0;
}

}  // namespace cutover::runtest
