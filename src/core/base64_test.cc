// Base64 both ways: RFC 4648's test vectors, bytes of every value, and what is refused.
#include "core/base64.h"

#include <gtest/gtest.h>

namespace cutover {
namespace {

TEST(Base64Test, Rfc4648VectorsBothWays) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64(plain), encoded);
    EXPECT_EQ(FromBase64(encoded), std::optional<std::string>(plain));
  }
}

TEST(Base64Test, EveryByteRoundTrips) {
  std::string bytes;
  for (int byte = 0; byte < 256; ++byte) bytes.push_back(static_cast<char>(byte));
  EXPECT_EQ(FromBase64(Base64(bytes)), std::optional<std::string>(bytes));
}

TEST(Base64Test, RefusesWhatIsNotPaddedBase64) {
  EXPECT_EQ(FromBase64("Zg="), std::nullopt);   // not a multiple of 4
  EXPECT_EQ(FromBase64("Z!=="), std::nullopt);  // not the alphabet
  EXPECT_EQ(FromBase64("Zm9v-A=="), std::nullopt);
}

}  // namespace
}  // namespace cutover
