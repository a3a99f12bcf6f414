// Schema: column type names, MySQL COLUMN_TYPE parsing and the Value kind of each type.
#include "cutover/schema.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace cutover {
namespace {

struct TypeName {
  std::string_view name;
  SqlType type;
};

constexpr TypeName kMysqlTypes[] = {
    {"tinyint", SqlType::kTinyInt},     {"smallint", SqlType::kSmallInt},
    {"mediumint", SqlType::kMediumInt}, {"int", SqlType::kInt},
    {"integer", SqlType::kInt},         {"bigint", SqlType::kBigInt},
    {"decimal", SqlType::kDecimal},     {"numeric", SqlType::kDecimal},
    {"float", SqlType::kFloat},         {"double", SqlType::kDouble},
    {"real", SqlType::kDouble},         {"bit", SqlType::kBit},
    {"year", SqlType::kYear},           {"date", SqlType::kDate},
    {"time", SqlType::kTime},           {"datetime", SqlType::kDateTime},
    {"timestamp", SqlType::kTimestamp}, {"char", SqlType::kChar},
    {"varchar", SqlType::kVarChar},     {"binary", SqlType::kBinary},
    {"varbinary", SqlType::kVarBinary}, {"tinyblob", SqlType::kTinyBlob},
    {"blob", SqlType::kBlob},           {"mediumblob", SqlType::kMediumBlob},
    {"longblob", SqlType::kLongBlob},   {"tinytext", SqlType::kTinyText},
    {"text", SqlType::kText},           {"mediumtext", SqlType::kMediumText},
    {"longtext", SqlType::kLongText},   {"enum", SqlType::kEnum},
    {"set", SqlType::kSet},             {"json", SqlType::kJson},
    {"geometry", SqlType::kGeometry},   {"point", SqlType::kGeometry},
    {"linestring", SqlType::kGeometry}, {"polygon", SqlType::kGeometry},
    {"multipoint", SqlType::kGeometry}, {"multilinestring", SqlType::kGeometry},
    {"multipolygon", SqlType::kGeometry}, {"geometrycollection", SqlType::kGeometry},
    {"boolean", SqlType::kBoolean},     {"uuid", SqlType::kUuid},
    {"interval", SqlType::kInterval},   {"inet6", SqlType::kOther},
};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Result<uint32_t> ParseUint(std::string_view s, std::string_view what) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return Status::InvalidArgument("bad " + std::string(what) + " '" + std::string(s) + "'");
  }
  return v;
}

// Parses "'a','b''c'" (ENUM/SET element lists) into labels.
Result<std::vector<std::string>> ParseElements(std::string_view args) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < args.size()) {
    if (args[i] != '\'') return Status::InvalidArgument("bad ENUM/SET element list");
    std::string label;
    ++i;
    while (true) {
      if (i >= args.size()) return Status::InvalidArgument("unterminated ENUM/SET element");
      if (args[i] == '\'' && i + 1 < args.size() && args[i + 1] == '\'') {
        label.push_back('\'');
        i += 2;
      } else if (args[i] == '\'') {
        ++i;
        break;
      } else if (args[i] == '\\' && i + 1 < args.size()) {
        label.push_back(args[i + 1]);
        i += 2;
      } else {
        label.push_back(args[i++]);
      }
    }
    out.push_back(std::move(label));
    if (i < args.size()) {
      if (args[i] != ',') return Status::InvalidArgument("bad ENUM/SET element list");
      ++i;
    }
  }
  return out;
}

Status ApplyArgs(ColumnType* type, std::string_view args) {
  switch (type->type) {
    case SqlType::kEnum:
    case SqlType::kSet: {
      CUTOVER_ASSIGN_OR_RETURN(type->elements, ParseElements(args));
      return Status::Ok();
    }
    case SqlType::kDecimal: {
      size_t comma = args.find(',');
      CUTOVER_ASSIGN_OR_RETURN(type->precision, ParseUint(args.substr(0, comma), "precision"));
      if (comma != std::string_view::npos) {
        CUTOVER_ASSIGN_OR_RETURN(type->scale, ParseUint(args.substr(comma + 1), "scale"));
      }
      return Status::Ok();
    }
    case SqlType::kTime:
    case SqlType::kDateTime:
    case SqlType::kTimestamp: {
      CUTOVER_ASSIGN_OR_RETURN(uint32_t fsp, ParseUint(args, "fractional precision"));
      if (fsp > 6) return Status::InvalidArgument("fractional precision above 6");
      type->fsp = static_cast<uint8_t>(fsp);
      return Status::Ok();
    }
    case SqlType::kFloat:
    case SqlType::kDouble: return Status::Ok();  // FLOAT(M,D) display width: no effect on value
    default: {
      // Integer display widths (int(11)) are ignored; lengths matter for strings and BIT.
      CUTOVER_ASSIGN_OR_RETURN(type->length, ParseUint(args, "length"));
      return Status::Ok();
    }
  }
}

}  // namespace

std::string_view SqlTypeName(SqlType type) {
  for (const auto& entry : kMysqlTypes) {
    if (entry.type == type) return entry.name;
  }
  switch (type) {
    case SqlType::kTimeTz: return "timetz";
    default: return "other";
  }
}

bool ColumnType::is_binary_string() const {
  switch (type) {
    case SqlType::kBinary:
    case SqlType::kVarBinary:
    case SqlType::kTinyBlob:
    case SqlType::kBlob:
    case SqlType::kMediumBlob:
    case SqlType::kLongBlob:
    case SqlType::kGeometry: return true;
    case SqlType::kChar:
    case SqlType::kVarChar:
    case SqlType::kTinyText:
    case SqlType::kText:
    case SqlType::kMediumText:
    case SqlType::kLongText: return charset == Charset::kBinary || collation == "binary";
    default: return false;
  }
}

bool ColumnType::is_character() const {
  switch (type) {
    case SqlType::kChar:
    case SqlType::kVarChar:
    case SqlType::kTinyText:
    case SqlType::kText:
    case SqlType::kMediumText:
    case SqlType::kLongText:
    case SqlType::kEnum:
    case SqlType::kSet: return true;
    default: return false;
  }
}

ValueKind ColumnType::value_kind() const {
  if (is_binary_string()) return ValueKind::kBytes;
  switch (type) {
    case SqlType::kTinyInt:
    case SqlType::kSmallInt:
    case SqlType::kMediumInt:
    case SqlType::kInt:
    case SqlType::kBigInt: return is_unsigned ? ValueKind::kUInt : ValueKind::kInt;
    case SqlType::kYear: return ValueKind::kInt;
    case SqlType::kDecimal: return ValueKind::kDecimal;
    case SqlType::kFloat: return ValueKind::kFloat;
    case SqlType::kDouble: return ValueKind::kDouble;
    case SqlType::kBit: return ValueKind::kBit;
    case SqlType::kDate: return ValueKind::kDate;
    case SqlType::kTime: return ValueKind::kTime;
    case SqlType::kDateTime: return ValueKind::kDateTime;
    case SqlType::kTimestamp: return ValueKind::kTimestamp;
    case SqlType::kEnum: return ValueKind::kEnum;
    case SqlType::kSet: return ValueKind::kSet;
    case SqlType::kJson: return ValueKind::kJson;
    case SqlType::kBoolean: return ValueKind::kBool;
    case SqlType::kChar:
    case SqlType::kVarChar:
    case SqlType::kTinyText:
    case SqlType::kText:
    case SqlType::kMediumText:
    case SqlType::kLongText: return ValueKind::kText;
    default: return ValueKind::kOther;
  }
}

Result<ColumnType> ParseMysqlColumnType(std::string_view column_type, std::string_view charset,
                                        std::string_view collation) {
  ColumnType type;
  type.source_name = std::string(column_type);
  std::string lower = Lower(column_type);
  size_t paren = lower.find('(');
  size_t name_end = std::min(paren, lower.find(' '));
  std::string name = lower.substr(0, name_end);
  auto it = std::find_if(std::begin(kMysqlTypes), std::end(kMysqlTypes),
                         [&](const TypeName& t) { return t.name == name; });
  if (it == std::end(kMysqlTypes)) {
    return Status::Unimplemented("unsupported column type '" + std::string(column_type) + "'");
  }
  type.type = it->type;
  std::string rest = name_end == std::string::npos ? "" : lower.substr(name_end);
  if (paren != std::string::npos && paren == name_end) {
    // Arguments come from the original text: ENUM labels keep their case.
    size_t close = column_type.rfind(')');
    if (close == std::string_view::npos || close < paren) {
      return Status::InvalidArgument("unbalanced parentheses in '" + type.source_name + "'");
    }
    Status args = ApplyArgs(&type, column_type.substr(paren + 1, close - paren - 1));
    if (!args.ok()) return args.WithContext("column type '" + type.source_name + "'");
    rest = lower.substr(close + 1);
  }
  type.is_unsigned = rest.find("unsigned") != std::string::npos;
  if (type.type == SqlType::kBit && type.length == 0) type.length = 1;
  if (type.type == SqlType::kDecimal && type.precision == 0) type.precision = 10;
  type.collation = std::string(collation);
  if (!charset.empty()) type.charset = CharsetFromName(charset);
  if (type.is_binary_string() && charset.empty()) {
    type.charset = Charset::kBinary;
    type.collation = "binary";
  }
  return type;
}

std::optional<size_t> TableSchema::ColumnIndex(std::string_view column) const {
  for (size_t column_idx = 0; column_idx < columns.size(); ++column_idx) {
    if (columns[column_idx].name == column) return column_idx;
  }
  return std::nullopt;
}

}  // namespace cutover
