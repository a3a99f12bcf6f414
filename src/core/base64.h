// Base64: standard base64 with padding (RFC 4648 section 4): DynamoDB's binary attributes and
// the Kafka target's bytes fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cutover {

std::string Base64(std::string_view bytes);
// nullopt when `text` is not padded standard base64.
std::optional<std::string> FromBase64(std::string_view text);

}  // namespace cutover
