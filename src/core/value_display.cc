// DisplayValue: the column-aware display form of a value (YEAR digits, ENUM/SET label charsets).
#include <fmt/format.h>

#include "cutover/schema.h"

namespace cutover {

std::string DisplayValue(const ColumnType& type, const Value& value) {
  switch (value.kind()) {
    case ValueKind::kInt:
      if (type.type == SqlType::kYear) return fmt::format("{:04d}", value.as_int());
      return value.ToDisplay();
    case ValueKind::kUInt:
      if (type.type == SqlType::kYear) return fmt::format("{:04d}", value.as_uint());
      return value.ToDisplay();
    case ValueKind::kEnum: return ToUtf8(value.as_enum().label, type.charset);
    case ValueKind::kSet: return ToUtf8(value.as_set().labels, type.charset);
    default: return value.ToDisplay();
  }
}

}  // namespace cutover
