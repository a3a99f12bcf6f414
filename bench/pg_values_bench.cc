// pg_values_bench: the CPU cost of turning PostgreSQL column values into Values:
// ParsePostgresBinary on their send forms (pgoutput's binary mode) next to ParsePostgresText on
// their text output (bench/pg_values.sh makes the files and runs it; figures in
// docs/benchmarks.md).
//   pg_values_bench TYPE FILE
// TYPE: int4, numeric, timestamptz or text; FILE: one value a line, "<text output>\t<hex of the
// send form>". Every value is read both ways first (they must be equal), then each reader runs
// over all of them 5 times; the fastest run is printed as ns per value.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "source/postgres/binary_values.h"
#include "source/postgres/types.h"

namespace {

using cutover::ColumnType;
using cutover::Result;
using cutover::Value;

std::string FromHex(std::string_view hex) {
  std::string out(hex.size() / 2, '\0');
  for (size_t byte_idx = 0; byte_idx < out.size(); ++byte_idx) {
    out[byte_idx] =
        static_cast<char>(std::stoi(std::string(hex.substr(2 * byte_idx, 2)), nullptr, 16));
  }
  return out;
}

// The fastest of 5 runs of `parse` over every value, in ns per value.
double NanosPerValue(const std::vector<std::string>& values,
                     const std::function<Result<Value>(std::string_view)>& parse) {
  double best = 1e300;
  size_t kinds = 0;  // keeps the results alive
  for (int run = 0; run < 5; ++run) {
    auto start = std::chrono::steady_clock::now();
    for (const std::string& value : values) kinds += static_cast<size_t>(parse(value)->kind());
    std::chrono::duration<double, std::nano> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count() / static_cast<double>(values.size()));
  }
  return kinds == 0 ? -1 : best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: pg_values_bench int4|numeric|timestamptz|text FILE\n");
    return 2;
  }
  const std::string name = argv[1];
  const std::string format = name == "timestamptz" ? "timestamp with time zone" : name;
  const ColumnType type = cutover::postgres::ColumnTypeOf(
      cutover::postgres::PgType{format, "pg_catalog", name, 'b', -1, {}});
  std::vector<std::string> texts;
  std::vector<std::string> sends;
  std::ifstream file(argv[2]);
  for (std::string line; std::getline(file, line);) {
    size_t tab = line.rfind('\t');
    if (tab == std::string::npos) continue;
    texts.push_back(line.substr(0, tab));
    sends.push_back(FromHex(std::string_view(line).substr(tab + 1)));
  }
  for (size_t value_idx = 0; value_idx < texts.size(); ++value_idx) {
    Result<Value> text = cutover::postgres::ParsePostgresText(type, texts[value_idx]);
    Result<Value> binary = cutover::postgres::ParsePostgresBinary(type, sends[value_idx]);
    if (!text.ok() || !binary.ok() || !(*text == *binary)) {
      std::fprintf(stderr, "value %zu ('%s') differs or does not read\n", value_idx,
                   texts[value_idx].c_str());
      return 1;
    }
  }
  double binary = NanosPerValue(sends, [&](std::string_view bytes) {
    return cutover::postgres::ParsePostgresBinary(type, bytes);
  });
  double text = NanosPerValue(texts, [&](std::string_view text_value) {
    return cutover::postgres::ParsePostgresText(type, text_value);
  });
  fmt::print("{:<12} {:>9} values  binary {:6.1f} ns/value  text {:6.1f} ns/value\n", name,
             texts.size(), binary, text);
  return 0;
}
