// TableSchemaBuilder: decode plans and TableSchema from TABLE_MAP columns.
#include "source/binlog/table_schema_builder.h"

#include <string>
#include <string_view>

#include "source/binlog/collations.h"

namespace cutover::binlog {
namespace {

DecodeOp IntegerOp(ColumnTypeCode type, bool is_unsigned) {
  switch (type) {
    case ColumnTypeCode::kTiny: return is_unsigned ? DecodeOp::kUInt8 : DecodeOp::kInt8;
    case ColumnTypeCode::kShort: return is_unsigned ? DecodeOp::kUInt16 : DecodeOp::kInt16;
    case ColumnTypeCode::kInt24: return is_unsigned ? DecodeOp::kUInt24 : DecodeOp::kInt24;
    case ColumnTypeCode::kLong: return is_unsigned ? DecodeOp::kUInt32 : DecodeOp::kInt32;
    default: return is_unsigned ? DecodeOp::kUInt64 : DecodeOp::kInt64;
  }
}

DecodeOp ChooseOp(const BinlogColumn& col) {
  switch (col.real_type) {
    case ColumnTypeCode::kTiny:
    case ColumnTypeCode::kShort:
    case ColumnTypeCode::kInt24:
    case ColumnTypeCode::kLong:
    case ColumnTypeCode::kLongLong: return IntegerOp(col.real_type, col.is_unsigned);
    case ColumnTypeCode::kFloat: return DecodeOp::kFloat;
    case ColumnTypeCode::kDouble: return DecodeOp::kDouble;
    case ColumnTypeCode::kNewDecimal: return DecodeOp::kNewDecimal;
    case ColumnTypeCode::kBit: return DecodeOp::kBit;
    case ColumnTypeCode::kYear: return DecodeOp::kYear;
    case ColumnTypeCode::kDate:
    case ColumnTypeCode::kNewDate: return DecodeOp::kDate;
    case ColumnTypeCode::kTime: return DecodeOp::kTime;
    case ColumnTypeCode::kTime2: return DecodeOp::kTime2;
    case ColumnTypeCode::kDateTime: return DecodeOp::kDateTime;
    case ColumnTypeCode::kDateTime2: return DecodeOp::kDateTime2;
    case ColumnTypeCode::kTimestamp: return DecodeOp::kTimestamp;
    case ColumnTypeCode::kTimestamp2: return DecodeOp::kTimestamp2;
    case ColumnTypeCode::kString: return DecodeOp::kChar;
    case ColumnTypeCode::kVarChar:
    case ColumnTypeCode::kVarString: return DecodeOp::kVarString;
    case ColumnTypeCode::kTinyBlob:
    case ColumnTypeCode::kMediumBlob:
    case ColumnTypeCode::kLongBlob:
    case ColumnTypeCode::kBlob:
    case ColumnTypeCode::kGeometry: return DecodeOp::kBlob;
    case ColumnTypeCode::kEnum: return DecodeOp::kEnum;
    case ColumnTypeCode::kSet: return DecodeOp::kSet;
    case ColumnTypeCode::kJson: return DecodeOp::kJsonBinary;
    case ColumnTypeCode::kNull: return DecodeOp::kNull;
    default: return DecodeOp::kUnsupported;
  }
}

SqlType BlobType(uint8_t length_bytes, bool binary) {
  switch (length_bytes) {
    case 1: return binary ? SqlType::kTinyBlob : SqlType::kTinyText;
    case 2: return binary ? SqlType::kBlob : SqlType::kText;
    case 3: return binary ? SqlType::kMediumBlob : SqlType::kMediumText;
    default: return binary ? SqlType::kLongBlob : SqlType::kLongText;
  }
}

SqlType IntegerType(ColumnTypeCode type) {
  switch (type) {
    case ColumnTypeCode::kTiny: return SqlType::kTinyInt;
    case ColumnTypeCode::kShort: return SqlType::kSmallInt;
    case ColumnTypeCode::kInt24: return SqlType::kMediumInt;
    case ColumnTypeCode::kLong: return SqlType::kInt;
    default: return SqlType::kBigInt;
  }
}

SqlType SqlTypeOf(const BinlogColumn& col) {
  switch (col.op) {
    case DecodeOp::kNewDecimal: return SqlType::kDecimal;
    case DecodeOp::kFloat: return SqlType::kFloat;
    case DecodeOp::kDouble: return SqlType::kDouble;
    case DecodeOp::kBit: return SqlType::kBit;
    case DecodeOp::kYear: return SqlType::kYear;
    case DecodeOp::kDate: return SqlType::kDate;
    case DecodeOp::kTime:
    case DecodeOp::kTime2: return SqlType::kTime;
    case DecodeOp::kDateTime:
    case DecodeOp::kDateTime2: return SqlType::kDateTime;
    case DecodeOp::kTimestamp:
    case DecodeOp::kTimestamp2: return SqlType::kTimestamp;
    case DecodeOp::kChar: return col.binary ? SqlType::kBinary : SqlType::kChar;
    case DecodeOp::kVarString: return col.binary ? SqlType::kVarBinary : SqlType::kVarChar;
    case DecodeOp::kBlob:
      if (col.real_type == ColumnTypeCode::kGeometry) return SqlType::kGeometry;
      return BlobType(col.length_bytes, col.binary);
    case DecodeOp::kEnum: return SqlType::kEnum;
    case DecodeOp::kSet: return SqlType::kSet;
    case DecodeOp::kJsonBinary: return SqlType::kJson;
    case DecodeOp::kNull:
    case DecodeOp::kUnsupported: return SqlType::kOther;
    default: return IntegerType(col.real_type);
  }
}

// "@1", "@2", ... for a column the TABLE_MAP event does not name. Appended, not `"@" + ...`
// (see SourceName).
std::string UnnamedColumnName(size_t column_idx) {
  std::string name;
  name += '@';
  name += std::to_string(column_idx + 1);
  return name;
}

std::string QuotedList(const std::vector<std::string>& labels) {
  std::string out;
  for (const std::string& label : labels) {
    if (!out.empty()) out.push_back(',');
    out.push_back('\'');
    for (char c : label) {
      if (c == '\'') out.push_back('\'');
      out.push_back(c);
    }
    out.push_back('\'');
  }
  return out;
}

// The MySQL spelling of a column type: "int unsigned", "varchar(20)", "enum('a','b')".
std::string SourceName(const ColumnType& type) {
  std::string name(SqlTypeName(type.type));
  // Appended piece by piece: `"(" + std::to_string(n)` prepends into a temporary, which GCC 12
  // at -O3 (the Release build) reports as a false -Wrestrict (GCC bug 105329).
  auto add_arguments = [&name](std::string_view arguments) {
    name += '(';
    name += arguments;
    name += ')';
  };
  switch (type.type) {
    case SqlType::kDecimal:
      add_arguments(std::to_string(type.precision) + "," + std::to_string(type.scale));
      break;
    case SqlType::kBit:
    case SqlType::kChar:
    case SqlType::kVarChar:
    case SqlType::kBinary:
    case SqlType::kVarBinary: add_arguments(std::to_string(type.length)); break;
    case SqlType::kTime:
    case SqlType::kDateTime:
    case SqlType::kTimestamp:
      if (type.fsp > 0) add_arguments(std::to_string(type.fsp));
      break;
    case SqlType::kEnum:
    case SqlType::kSet: add_arguments(QuotedList(type.elements)); break;
    default: break;
  }
  if (type.is_unsigned) name += " unsigned";
  return name;
}

ColumnType ColumnTypeOf(const BinlogColumn& col) {
  ColumnType type;
  type.type = SqlTypeOf(col);
  type.is_unsigned = col.is_unsigned;
  type.precision = col.precision;
  type.scale = col.scale;
  type.fsp = col.fsp;
  type.elements = col.labels;
  CollationInfo collation = LookupCollation(col.collation_id);
  if (col.op == DecodeOp::kBit) type.length = col.bit_width;
  if (col.op == DecodeOp::kChar || col.op == DecodeOp::kVarString) {
    uint32_t per_char = col.binary || !col.has_charset ? 1 : collation.max_bytes;
    type.length = col.max_bytes / (per_char == 0 ? 1 : per_char);
  }
  if (col.binary) {
    type.charset = Charset::kBinary;
    type.collation = "binary";
  } else if (col.has_charset) {
    type.charset = col.charset;
    type.collation = std::string(collation.name);
  }
  type.source_name = SourceName(type);
  return type;
}

Status CheckSizes(const BinlogColumn& col) {
  bool ok = true;
  switch (col.op) {
    case DecodeOp::kBlob:
    case DecodeOp::kJsonBinary: ok = col.length_bytes >= 1 && col.length_bytes <= 4; break;
    case DecodeOp::kEnum: ok = col.length_bytes >= 1 && col.length_bytes <= 2; break;
    case DecodeOp::kSet: ok = col.length_bytes >= 1 && col.length_bytes <= 8; break;
    case DecodeOp::kBit: ok = col.bit_width >= 1 && col.bit_width <= 64; break;
    case DecodeOp::kTime2:
    case DecodeOp::kDateTime2:
    case DecodeOp::kTimestamp2: ok = col.fsp <= 6; break;
    default: break;
  }
  if (ok) return Status::Ok();
  return Status::DataLoss("TABLE_MAP_EVENT metadata of column '" + col.name + "'" +
                          " is impossible for its type " +
                          std::to_string(static_cast<int>(col.real_type)));
}

}  // namespace

void ApplyStringMetadata(uint8_t first, uint8_t second, BinlogColumn* col) {
  uint32_t length = second;
  uint8_t real = first;
  if ((real & 0x30) != 0x30) {
    // CHAR longer than 255 bytes: the length's bits 8-9 are stored inverted in bits 4-5.
    length |= static_cast<uint32_t>((real & 0x30) ^ 0x30) << 4;
    real |= 0x30;
  }
  col->real_type = static_cast<ColumnTypeCode>(real);
  if (col->real_type == ColumnTypeCode::kEnum || col->real_type == ColumnTypeCode::kSet) {
    col->length_bytes = static_cast<uint8_t>(length);
  } else {
    col->max_bytes = length;
    col->length_bytes = length > 255 ? 2 : 1;
  }
}

Status FinishColumns(TableMap* map) {
  for (BinlogColumn& col : map->columns) {
    col.op = ChooseOp(col);
    CUTOVER_RETURN_IF_ERROR(CheckSizes(col));
    switch (col.op) {
      case DecodeOp::kChar:
      case DecodeOp::kVarString:
        // Without charset metadata a string's charset is unknown: kept as bytes of kOther.
        if (!col.has_charset) col.charset = Charset::kOther;
        break;
      case DecodeOp::kBlob:
        // GEOMETRY is always bytes; a BLOB/TEXT without charset metadata is taken as BLOB.
        if (col.real_type == ColumnTypeCode::kGeometry || !col.has_charset) col.binary = true;
        break;
      default: break;
    }
  }
  return Status::Ok();
}

TableSchema BuildTableSchema(const TableMap& map, const std::vector<size_t>& key) {
  TableSchema schema;
  schema.id = TableId{map.schema, map.table};
  schema.columns.reserve(map.columns.size());
  for (size_t column_idx = 0; column_idx < map.columns.size(); ++column_idx) {
    const BinlogColumn& col = map.columns[column_idx];
    Column column;
    column.name = col.name.empty() ? UnnamedColumnName(column_idx) : col.name;
    column.type = ColumnTypeOf(col);
    column.nullable = col.nullable;
    schema.columns.push_back(std::move(column));
  }
  if (!key.empty()) {
    schema.key = key;
    schema.key_index = "PRIMARY";
    Index primary{"PRIMARY", {}, true, true, ""};
    for (size_t column : key) primary.columns.push_back(schema.columns[column].name);
    schema.indexes.push_back(std::move(primary));
  }
  return schema;
}

}  // namespace cutover::binlog
