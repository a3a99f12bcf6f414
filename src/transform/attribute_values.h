// Attribute values: converts typed source Values into DynamoDB JSON attribute values under the
// mapping's type rules, and renders key templates.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/base64.h"
#include "cutover/schema.h"
#include "cutover/status.h"

#include "transform/mapping_rules.h"

namespace cutover::transform {

using Json = nlohmann::json;

// The attribute value for `value` of a column of `type` under `rule`; nullopt when the value
// is omitted (NULL without null_type, an empty SET). InvalidArgument (no row context) when the
// value cannot be represented: "DECIMAL NaN has no DynamoDB number".
Result<std::optional<Json>> AttributeFromValue(const ColumnType& type, const Value& value,
                                               TypeRule rule, bool null_type);

// The text of `value` inside a template ("CUSTOMER#{id}"): numbers as digits, text as UTF-8,
// dates as ISO 8601, binary as base64. InvalidArgument for NULL.
Result<std::string> TemplateText(const ColumnType& type, const Value& value);

// ISO 8601 text of a DATE, DATETIME or TIMESTAMP value ("2024-01-02T03:04:05.250Z").
std::string IsoText(const Value& value);

// The exponent of a number's text, what follows its 'e' ("5", "+5", "-12"); InvalidArgument
// naming it when it is empty, not digits or beyond an int.
Result<int> ParseExponent(std::string_view text);

}  // namespace cutover::transform
