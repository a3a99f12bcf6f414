// TableMap: parsing of TABLE_MAP_EVENT, its column metadata block and optional metadata.
#include "source/binlog/table_map.h"

#include "source/binlog/byte_reader.h"
#include "source/binlog/collations.h"
#include "source/binlog/table_schema_builder.h"

namespace cutover::binlog {
namespace {

// Optional metadata field types (binlog_row_metadata).
enum class OptionalField : uint8_t {
  kSignedness = 1,
  kDefaultCharset = 2,
  kColumnCharset = 3,
  kColumnName = 4,
  kSetStrValue = 5,
  kEnumStrValue = 6,
  kGeometryType = 7,
  kSimplePrimaryKey = 8,
  kPrimaryKeyWithPrefix = 9,
  kEnumAndSetDefaultCharset = 10,
  kEnumAndSetColumnCharset = 11,
  kColumnVisibility = 12,
};

Status Truncated(std::string_view what) {
  return Status::DataLoss("TABLE_MAP_EVENT " + std::string(what) + " truncated");
}

// Reads the per-type metadata of one column and fills its size fields.
bool ReadColumnMetadata(ByteReader* in, BinlogColumn* col) {
  uint8_t a = 0, b = 0;
  uint64_t v = 0;
  switch (col->type) {
    case ColumnTypeCode::kFloat:
    case ColumnTypeCode::kDouble: return in->U8(&a);  // the pack length, implied by the type
    case ColumnTypeCode::kTinyBlob:
    case ColumnTypeCode::kMediumBlob:
    case ColumnTypeCode::kLongBlob:
    case ColumnTypeCode::kBlob:
    case ColumnTypeCode::kBlobCompressed:
    case ColumnTypeCode::kGeometry:
    case ColumnTypeCode::kJson:
      if (!in->U8(&col->length_bytes)) return false;
      return true;
    case ColumnTypeCode::kVarChar:
    case ColumnTypeCode::kVarString:
    case ColumnTypeCode::kVarCharCompressed:
      if (!in->LittleEndian(2, &v)) return false;
      col->max_bytes = static_cast<uint32_t>(v);
      col->length_bytes = col->max_bytes > 255 ? 2 : 1;
      return true;
    case ColumnTypeCode::kBit:
      if (!in->U8(&a) || !in->U8(&b)) return false;
      col->bit_width = static_cast<uint16_t>(b * 8 + a);
      return true;
    case ColumnTypeCode::kNewDecimal: return in->U8(&col->precision) && in->U8(&col->scale);
    case ColumnTypeCode::kString:
    case ColumnTypeCode::kEnum:
    case ColumnTypeCode::kSet:
      if (!in->U8(&a) || !in->U8(&b)) return false;
      ApplyStringMetadata(a, b, col);
      return true;
    case ColumnTypeCode::kTime2:
    case ColumnTypeCode::kDateTime2:
    case ColumnTypeCode::kTimestamp2: return in->U8(&col->fsp);
    default: return true;
  }
}

bool IsNumeric(ColumnTypeCode type) {
  switch (type) {
    case ColumnTypeCode::kTiny:
    case ColumnTypeCode::kShort:
    case ColumnTypeCode::kInt24:
    case ColumnTypeCode::kLong:
    case ColumnTypeCode::kLongLong:
    case ColumnTypeCode::kNewDecimal:
    case ColumnTypeCode::kFloat:
    case ColumnTypeCode::kDouble:
    case ColumnTypeCode::kDecimal: return true;
    default: return false;
  }
}

bool IsEnumOrSet(const BinlogColumn& col) {
  return col.real_type == ColumnTypeCode::kEnum || col.real_type == ColumnTypeCode::kSet;
}

// The columns the DEFAULT_CHARSET / COLUMN_CHARSET fields describe, in order. MariaDB lists
// GEOMETRY columns there too (with the binary collation); MySQL does not.
bool IsCharacter(const BinlogColumn& col, bool mariadb) {
  switch (col.real_type) {
    case ColumnTypeCode::kGeometry: return mariadb;
    case ColumnTypeCode::kString:
    case ColumnTypeCode::kVarString:
    case ColumnTypeCode::kVarChar:
    case ColumnTypeCode::kVarCharCompressed:
    case ColumnTypeCode::kBlob:
    case ColumnTypeCode::kBlobCompressed:
    case ColumnTypeCode::kTinyBlob:
    case ColumnTypeCode::kMediumBlob:
    case ColumnTypeCode::kLongBlob: return true;
    default: return false;
  }
}

template <typename Pred>
std::vector<BinlogColumn*> Select(TableMap* map, Pred pred) {
  std::vector<BinlogColumn*> out;
  for (BinlogColumn& col : map->columns) {
    if (pred(col)) out.push_back(&col);
  }
  return out;
}

void SetCollation(BinlogColumn* col, uint64_t id) {
  CollationInfo info = LookupCollation(static_cast<uint32_t>(id));
  col->has_charset = true;
  col->collation_id = static_cast<uint32_t>(id);
  col->charset = info.charset;
  col->binary = id == kBinaryCollation;
}

// DEFAULT_CHARSET: the default collation, then (index, collation) pairs for the exceptions.
Status ApplyDefaultCharset(std::string_view value, const std::vector<BinlogColumn*>& cols) {
  ByteReader in(value);
  uint64_t default_id = 0;
  if (!in.Packed(&default_id)) return Truncated("default charset");
  for (BinlogColumn* col : cols) SetCollation(col, default_id);
  while (!in.empty()) {
    uint64_t index = 0, id = 0;
    if (!in.Packed(&index) || !in.Packed(&id)) return Truncated("charset exception");
    if (index >= cols.size()) {
      return Status::DataLoss("TABLE_MAP_EVENT charset for character column " +
                              std::to_string(index) + " of " + std::to_string(cols.size()));
    }
    SetCollation(cols[index], id);
  }
  return Status::Ok();
}

// COLUMN_CHARSET: one collation per described column.
Status ApplyColumnCharset(std::string_view value, const std::vector<BinlogColumn*>& cols) {
  ByteReader in(value);
  for (BinlogColumn* col : cols) {
    uint64_t id = 0;
    if (!in.Packed(&id)) return Truncated("column charsets");
    SetCollation(col, id);
  }
  return Status::Ok();
}

Status ApplySignedness(std::string_view value, TableMap* map) {
  size_t numeric_idx = 0;
  for (BinlogColumn& col : map->columns) {
    if (!IsNumeric(col.type)) continue;
    if (numeric_idx / 8 >= value.size()) return Truncated("signedness bitmap");
    col.is_unsigned = BitmapBitMsbFirst(value, numeric_idx++);
  }
  return Status::Ok();
}

Status ApplyColumnNames(std::string_view value, TableMap* map) {
  ByteReader in(value);
  for (BinlogColumn& col : map->columns) {
    std::string_view name;
    if (!in.PackedString(&name)) return Truncated("column names");
    col.name = std::string(name);
  }
  map->has_column_names = true;
  return Status::Ok();
}

Status ApplyLabels(std::string_view value, ColumnTypeCode kind, TableMap* map) {
  ByteReader in(value);
  for (BinlogColumn& col : map->columns) {
    if (col.real_type != kind) continue;
    uint64_t count = 0;
    if (!in.Packed(&count) || count > in.remaining()) return Truncated("ENUM/SET labels");
    col.labels.resize(count);
    for (std::string& label : col.labels) {
      std::string_view text;
      if (!in.PackedString(&text)) return Truncated("ENUM/SET labels");
      label = std::string(text);
    }
  }
  return Status::Ok();
}

Status ApplyGeometryTypes(std::string_view value, TableMap* map) {
  ByteReader in(value);
  for (BinlogColumn& col : map->columns) {
    if (col.type != ColumnTypeCode::kGeometry) continue;
    uint64_t geometry = 0;
    if (!in.Packed(&geometry)) return Truncated("geometry types");
    col.geometry_type = static_cast<uint32_t>(geometry);
  }
  return Status::Ok();
}

Status ReadPrimaryKey(std::string_view value, bool with_prefix, size_t column_count,
                      std::vector<size_t>* key) {
  ByteReader in(value);
  while (!in.empty()) {
    uint64_t column = 0, prefix = 0;
    if (!in.Packed(&column) || (with_prefix && !in.Packed(&prefix))) {
      return Truncated("primary key");
    }
    if (column >= column_count) {
      return Status::DataLoss("TABLE_MAP_EVENT primary key column " + std::to_string(column) +
                              " of " + std::to_string(column_count));
    }
    key->push_back(column);
  }
  return Status::Ok();
}

Status ApplyOptionalField(OptionalField type, std::string_view value, bool mariadb, TableMap* map,
                          std::vector<size_t>* key) {
  auto is_character = [mariadb](const BinlogColumn& col) { return IsCharacter(col, mariadb); };
  switch (type) {
    case OptionalField::kSignedness: return ApplySignedness(value, map);
    case OptionalField::kDefaultCharset:
      return ApplyDefaultCharset(value, Select(map, is_character));
    case OptionalField::kColumnCharset: return ApplyColumnCharset(value, Select(map, is_character));
    case OptionalField::kColumnName: return ApplyColumnNames(value, map);
    case OptionalField::kSetStrValue: return ApplyLabels(value, ColumnTypeCode::kSet, map);
    case OptionalField::kEnumStrValue: return ApplyLabels(value, ColumnTypeCode::kEnum, map);
    case OptionalField::kGeometryType: return ApplyGeometryTypes(value, map);
    case OptionalField::kSimplePrimaryKey:
      return ReadPrimaryKey(value, false, map->columns.size(), key);
    case OptionalField::kPrimaryKeyWithPrefix:
      return ReadPrimaryKey(value, true, map->columns.size(), key);
    case OptionalField::kEnumAndSetDefaultCharset:
      return ApplyDefaultCharset(value, Select(map, IsEnumOrSet));
    case OptionalField::kEnumAndSetColumnCharset:
      return ApplyColumnCharset(value, Select(map, IsEnumOrSet));
    case OptionalField::kColumnVisibility: return Status::Ok();
  }
  return Status::Ok();  // a field type cutover does not know: skipped by its length
}

Status ReadOptionalMetadata(ByteReader* in, bool mariadb, TableMap* map, std::vector<size_t>* key) {
  while (!in->empty()) {
    uint8_t type = 0;
    std::string_view value;
    if (!in->U8(&type) || !in->PackedString(&value)) return Truncated("optional metadata");
    CUTOVER_RETURN_IF_ERROR(
        ApplyOptionalField(static_cast<OptionalField>(type), value, mariadb, map, key));
  }
  return Status::Ok();
}

Status ReadName(ByteReader* in, std::string* out, std::string_view what) {
  uint8_t len = 0;
  std::string_view name;
  if (!in->U8(&len) || !in->Bytes(len, &name) || !in->Skip(1)) return Truncated(what);
  *out = std::string(name);
  return Status::Ok();
}

Status ReadColumns(ByteReader* in, TableMap* map) {
  uint64_t count = 0;
  std::string_view types, metadata, nulls;
  if (!in->Packed(&count) || !in->Bytes(count, &types)) return Truncated("column types");
  uint64_t metadata_len = 0;
  if (!in->Packed(&metadata_len) || !in->Bytes(metadata_len, &metadata)) {
    return Truncated("column metadata");
  }
  if (!in->Bytes((count + 7) / 8, &nulls)) return Truncated("null bitmap");
  map->columns.resize(count);
  ByteReader meta(metadata);
  for (size_t column_idx = 0; column_idx < count; ++column_idx) {
    BinlogColumn& col = map->columns[column_idx];
    col.type = static_cast<ColumnTypeCode>(types[column_idx]);
    col.real_type = col.type;
    col.nullable = BitmapBit(nulls, column_idx);
    if (!ReadColumnMetadata(&meta, &col)) return Truncated("column metadata");
  }
  if (!meta.empty()) {
    return Status::DataLoss("TABLE_MAP_EVENT column metadata has " +
                            std::to_string(meta.remaining()) + " bytes more than its columns use");
  }
  return Status::Ok();
}

}  // namespace

uint64_t PeekTableId(std::string_view payload, uint8_t post_header_length) {
  size_t id_bytes = post_header_length == 6 ? 4 : 6;
  if (payload.size() < id_bytes) return 0;
  return ByteReader::LoadLittleEndian(payload.data(), id_bytes);
}

Result<TableMap> ParseTableMap(std::string_view payload, uint8_t post_header_length, bool mariadb) {
  ByteReader in(payload);
  TableMap map;
  size_t id_bytes = post_header_length == 6 ? 4 : 6;
  if (!in.LittleEndian(id_bytes, &map.table_id) || !in.Le(&map.flags)) {
    return Truncated("post-header");
  }
  if (post_header_length > id_bytes + 2 && !in.Skip(post_header_length - id_bytes - 2)) {
    return Truncated("post-header");
  }
  CUTOVER_RETURN_IF_ERROR(ReadName(&in, &map.schema, "schema name"));
  CUTOVER_RETURN_IF_ERROR(ReadName(&in, &map.table, "table name"));
  CUTOVER_RETURN_IF_ERROR(ReadColumns(&in, &map));
  std::vector<size_t> key;
  CUTOVER_RETURN_IF_ERROR(ReadOptionalMetadata(&in, mariadb, &map, &key));
  CUTOVER_RETURN_IF_ERROR(FinishColumns(&map));
  map.schema_shape = std::make_shared<const TableSchema>(BuildTableSchema(map, key));
  return map;
}

}  // namespace cutover::binlog
