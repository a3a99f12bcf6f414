// ParseInteger: a whole text as an integer, checked, for text that comes from outside (a flag, a
// spec, a file name, a file, a server's answer). Use it instead of std::stoi/stoull and friends:
// those throw on "abc" and on 99999999999999999999 (an exception nothing catches ends the
// process) and read "12abc" as 12; std::strtoull/atoi silently give 0 instead.
#pragma once

#include <cstdint>
#include <string_view>

#include "cutover/status.h"

namespace cutover {

// `text` as a T in `base` (10 or 16), all of it: no sign for unsigned T, no '+', no spaces, no
// "0x". InvalidArgument otherwise, naming `what` and the text (at most 64 characters of it):
//   "<what> 'abc' is not a whole number" ("... is not a hexadecimal number" in base 16)
//   "<what> '99999999999999999999' is out of range (0..18446744073709551615)"
// The caller picks another code where the text is not the user's input (e.g. DataLoss for a
// state record) with Status(code, status.message()).
// Defined for int, int64_t, uint32_t and uint64_t.
template <typename T>
Result<T> ParseInteger(std::string_view text, std::string_view what, int base = 10);

}  // namespace cutover
