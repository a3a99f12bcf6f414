// SourceSchema: pg_catalog queries -> TableSchema with the row identity key.
#include "source/postgres/source_schema.h"

#include <map>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/parse_number.h"
#include "source/postgres/types.h"
#include "spec/table_columns.h"

namespace cutover::postgres {
namespace {

const std::string& Text(const SqlRow& row, size_t column) {
  static const std::string kEmpty;
  return row[column] ? *row[column] : kEmpty;
}

bool Flag(const SqlRow& row, size_t column) { return Text(row, column) == "t"; }

template <typename T>
Result<T> Number(const SqlRow& row, size_t column, std::string_view what) {
  return ParseInteger<T>(Text(row, column), what);
}

// One pg_type row, with format_type() for the typmod the column has.
struct CatalogType {
  uint32_t oid = 0;
  PgType type;
  uint32_t base = 0;         // a domain's base type
  int32_t base_typmod = -1;  // a domain's typmod for its base type
  uint32_t element = 0;      // an array's element type
  uint32_t array = 0;        // the array type whose elements are this type
};

Result<CatalogType> QueryType(Connection& connection, uint32_t oid, int32_t typmod) {
  CUTOVER_ASSIGN_OR_RETURN(
      QueryResult result,
      connection.Query(
          "SELECT format_type(t.oid, $2::int4), n.nspname, t.typname, t.typtype, t.typbasetype, "
          "t.typtypmod, CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE 0 END, t.typarray "
          "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.oid = $1::oid",
          {std::to_string(oid), std::to_string(typmod)}));
  if (result.rows.empty()) return Status::NotFound(fmt::format("no type with OID {}", oid));
  const SqlRow& row = result.rows[0];
  CatalogType found;
  found.oid = oid;
  found.type = PgType{Text(row, 0), Text(row, 1), Text(row, 2), Text(row, 3)[0], typmod, {}};
  CUTOVER_ASSIGN_OR_RETURN(found.base, Number<uint32_t>(row, 4, "typbasetype"));
  CUTOVER_ASSIGN_OR_RETURN(found.base_typmod, Number<int32_t>(row, 5, "typtypmod"));
  CUTOVER_ASSIGN_OR_RETURN(found.element, Number<uint32_t>(row, 6, "typelem"));
  CUTOVER_ASSIGN_OR_RETURN(found.array, Number<uint32_t>(row, 7, "typarray"));
  return found;
}

// Follows a domain to its base type (a domain may stand on another domain).
Result<CatalogType> QueryBaseType(Connection& connection, uint32_t oid, int32_t typmod) {
  CUTOVER_ASSIGN_OR_RETURN(CatalogType type, QueryType(connection, oid, typmod));
  while (type.type.kind == 'd') {
    CUTOVER_ASSIGN_OR_RETURN(type, QueryType(connection, type.base, type.base_typmod));
  }
  return type;
}

Result<std::vector<std::string>> EnumLabels(Connection& connection, uint32_t oid) {
  CUTOVER_ASSIGN_OR_RETURN(QueryResult result,
                           connection.Query("SELECT enumlabel FROM pg_enum WHERE enumtypid = "
                                            "$1::oid ORDER BY enumsortorder",
                                            {std::to_string(oid)}));
  std::vector<std::string> labels;
  for (const SqlRow& row : result.rows) labels.push_back(Text(row, 0));
  return labels;
}

// The type as the targets see it: a domain as its base type, an array of a domain as the array
// of its base type (a value of either is a value of the base type, as text too).
Result<PgType> ResolveType(Connection& connection, uint32_t oid, int32_t typmod) {
  CUTOVER_ASSIGN_OR_RETURN(CatalogType type, QueryBaseType(connection, oid, typmod));
  if (type.element != 0) {
    CUTOVER_ASSIGN_OR_RETURN(CatalogType element, QueryType(connection, type.element, typmod));
    if (element.type.kind == 'd') {
      CUTOVER_ASSIGN_OR_RETURN(element, QueryBaseType(connection, type.element, typmod));
      CUTOVER_ASSIGN_OR_RETURN(type, QueryType(connection, element.array, element.type.typmod));
    }
  }
  // An enum's labels; an array of an enum carries its element's (other types have none).
  CUTOVER_ASSIGN_OR_RETURN(type.type.enum_labels,
                           EnumLabels(connection, type.element != 0 ? type.element : type.oid));
  return type.type;
}

Result<std::string> RelationOid(Connection& connection, const TableId& table) {
  CUTOVER_ASSIGN_OR_RETURN(
      QueryResult result,
      connection.Query("SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = "
                       "c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND "
                       "c.relkind IN ('r', 'p')",
                       {table.schema, table.name}));
  if (result.rows.empty()) {
    return Status::NotFound(fmt::format("table {} does not exist on the source", table.ToString()));
  }
  return Text(result.rows[0], 0);
}

Status LoadColumns(Connection& connection, const std::string& relation, TableSchema* schema) {
  CUTOVER_ASSIGN_OR_RETURN(
      QueryResult result,
      connection.Query("SELECT attname, attnotnull, atttypid, atttypmod FROM pg_attribute "
                       "WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped AND "
                       "attgenerated = '' ORDER BY attnum",
                       {relation}));
  // A type is looked up once per table (a lookup is one to four queries).
  std::map<std::pair<uint32_t, int32_t>, ColumnType> types;
  for (const SqlRow& row : result.rows) {
    std::string context = fmt::format("{} column {}", schema->id.ToString(), Text(row, 0));
    CUTOVER_ASSIGN_OR_RETURN(uint32_t oid, Number<uint32_t>(row, 2, context));
    CUTOVER_ASSIGN_OR_RETURN(int32_t typmod, Number<int32_t>(row, 3, context));
    auto known = types.find({oid, typmod});
    if (known == types.end()) {
      Result<ColumnType> type = LoadColumnType(connection, oid, typmod);
      if (!type.ok()) return type.status().WithContext(context);
      known = types.emplace(std::pair{oid, typmod}, *std::move(type)).first;
    }
    schema->columns.push_back(Column{Text(row, 0), known->second, !Flag(row, 1)});
  }
  return Status::Ok();
}

// An index with what decides whether it can be the row identity.
struct IndexFacts {
  Index index;
  bool plain = true;  // a valid, non-partial btree index over columns only
};

// One row per key column of each index (INCLUDE columns left out; an expression has no name).
constexpr char kIndexQuery[] =
    "SELECT i.relname, x.indisprimary, x.indisunique, x.indisvalid AND x.indpred IS NULL AND "
    "x.indexprs IS NULL AND am.amname = 'btree', pg_get_indexdef(x.indexrelid), a.attname "
    "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam "
    "CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, position) "
    "LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum "
    "WHERE x.indrelid = $1::oid AND k.position <= x.indnkeyatts "
    "ORDER BY x.indisprimary DESC, i.relname, k.position";

Result<std::vector<IndexFacts>> LoadIndexes(Connection& connection, const std::string& relation) {
  CUTOVER_ASSIGN_OR_RETURN(QueryResult result, connection.Query(kIndexQuery, {relation}));
  std::vector<IndexFacts> indexes;
  for (const SqlRow& row : result.rows) {
    if (indexes.empty() || indexes.back().index.name != Text(row, 0)) {
      IndexFacts facts;
      facts.index.name = Text(row, 0);
      facts.index.primary = Flag(row, 1);
      facts.index.unique = Flag(row, 2);
      facts.plain = Flag(row, 3);
      facts.index.definition = Text(row, 4);
      indexes.push_back(std::move(facts));
    }
    IndexFacts& facts = indexes.back();
    if (row[5]) facts.index.columns.push_back(*row[5]);
    if (!row[5]) facts.plain = false;
  }
  // Targets rebuild an index from its columns: only a plain one means what its columns say.
  for (IndexFacts& facts : indexes) {
    if (!facts.plain) facts.index.columns.clear();
  }
  return indexes;
}

bool IsKeyCandidate(const TableSchema& schema, const IndexFacts& facts) {
  if (!facts.plain || !facts.index.unique) return false;
  for (const std::string& name : facts.index.columns) {
    std::optional<size_t> column = schema.ColumnIndex(name);
    if (!column || schema.columns[*column].nullable) return false;
  }
  return true;
}

std::vector<const Index*> KeyCandidates(const std::vector<IndexFacts>& indexes,
                                        const TableSchema& schema) {
  std::vector<const Index*> candidates;
  for (const IndexFacts& facts : indexes) {
    if (IsKeyCandidate(schema, facts)) candidates.push_back(&facts.index);
  }
  return candidates;
}

Status CheckEncoding(Connection& connection) {
  CUTOVER_ASSIGN_OR_RETURN(QueryResult result,
                           connection.Query("SELECT pg_encoding_to_char(encoding) FROM pg_database "
                                            "WHERE datname = current_database()"));
  std::string encoding = result.rows.empty() ? "" : Text(result.rows[0], 0);
  if (encoding == "UTF8") return Status::Ok();
  return Status::FailedPrecondition(fmt::format(
      "the source database {} has the encoding {}; cutover reads PostgreSQL sources in UTF8 "
      "only: migrate from a UTF8 database (CREATE DATABASE ... ENCODING 'UTF8')",
      connection.Describe(), encoding));
}

struct ListedTable {
  TableId id;
  bool logged = true;    // relpersistence 'p'
  int64_t estimate = 0;  // reltuples; -1 (never analysed) as 0
  // No update of it can leave out an unchanged TOASTed value: REPLICA IDENTITY FULL (the old
  // row, sent whole, gives it), or no column that can be stored out of line (attstorage other
  // than 'p'); for a partitioned table, true of every leaf partition.
  bool whole_row_changes = true;
};

// Ordinary tables that are no partition, and partitioned tables as a whole (the estimate of
// one is the sum of its leaf partitions'). User schemas cannot start with "pg_": that excludes
// pg_catalog, pg_toast and the temporary schemas. The fifth column: ListedTable's
// whole_row_changes (of the table itself, or of a partitioned table's leaf partitions:
// pg_partition_tree of an ordinary table is empty).
constexpr char kListQuery[] =
    "SELECT n.nspname, c.relname, c.relpersistence = 'p', CASE WHEN c.relkind = 'p' THEN "
    "(SELECT COALESCE(sum(GREATEST(l.reltuples, 0)), 0) FROM pg_partition_tree(c.oid) t "
    "JOIN pg_class l ON l.oid = t.relid WHERE t.isleaf) ELSE GREATEST(c.reltuples, 0) END::int8, "
    "NOT EXISTS (SELECT 1 FROM pg_class l WHERE (l.oid = c.oid AND c.relkind = 'r' OR l.oid IN "
    "(SELECT t.relid FROM pg_partition_tree(c.oid) t WHERE t.isleaf)) AND l.relreplident <> 'f' "
    "AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = l.oid AND a.attnum > 0 AND "
    "NOT a.attisdropped AND a.attstorage <> 'p')) "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT LIKE 'pg\\_%' "
    "AND n.nspname <> 'information_schema' ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE "
    "\"C\"";

Result<std::vector<ListedTable>> ListTables(Connection& connection) {
  CUTOVER_ASSIGN_OR_RETURN(QueryResult result, connection.Query(kListQuery));
  std::vector<ListedTable> tables;
  for (const SqlRow& row : result.rows) {
    ListedTable table{TableId{Text(row, 0), Text(row, 1)}, Flag(row, 2), 0, Flag(row, 4)};
    CUTOVER_ASSIGN_OR_RETURN(table.estimate,
                             Number<int64_t>(row, 3, "reltuples of " + table.id.ToString()));
    tables.push_back(std::move(table));
  }
  return tables;
}

Status UnloggedError(const TableId& table) {
  return Status::FailedPrecondition(fmt::format(
      "table {} is UNLOGGED: its changes are not written to the WAL, so logical replication "
      "cannot follow them; ALTER TABLE {} SET LOGGED, or exclude it in `tables`",
      table.ToString(), QuoteQualified(table.schema, table.name)));
}

}  // namespace

Result<ColumnType> LoadColumnType(Connection& connection, uint32_t type_oid, int32_t typmod) {
  CUTOVER_ASSIGN_OR_RETURN(PgType type, ResolveType(connection, type_oid, typmod));
  return ColumnTypeOf(type);
}

namespace {

// The one element of a one-element array's text ("{7}", "{\"a b\"}", "{NULL}"); nullopt for
// NULL.
Result<std::optional<std::string>> SoleElement(std::string_view array) {
  if (array.size() < 2 || array.front() != '{' || array.back() != '}') {
    return Status::DataLoss(fmt::format("attmissingval \"{}\" is not an array", array));
  }
  std::string_view inner = array.substr(1, array.size() - 2);
  if (inner == "NULL") return std::optional<std::string>();
  if (inner.empty() || inner.front() != '"') return std::optional<std::string>(std::string(inner));
  std::string out;
  for (size_t pos = 1; pos + 1 < inner.size(); ++pos) {
    if (inner[pos] == '\\' && pos + 2 < inner.size()) ++pos;
    out += inner[pos];
  }
  return std::optional<std::string>(std::move(out));
}

}  // namespace

Result<ExistingRows> LoadExistingRows(Connection& connection, const TableId& table,
                                      const std::string& column) {
  CUTOVER_ASSIGN_OR_RETURN(std::string relation, RelationOid(connection, table));
  CUTOVER_ASSIGN_OR_RETURN(
      QueryResult result,
      connection.Query("SELECT a.atthasmissing, a.attmissingval::text, a.atthasdef, "
                       "pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a LEFT JOIN pg_attrdef "
                       "d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = "
                       "$1::oid AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
                       {relation, column}));
  ExistingRows rows;
  if (result.rows.empty()) {
    rows.why_unknown =
        fmt::format("column {} is no longer in {} on the source", column, table.ToString());
    return rows;
  }
  const SqlRow& row = result.rows[0];
  if (Flag(row, 0)) {
    CUTOVER_ASSIGN_OR_RETURN(rows.text, SoleElement(Text(row, 1)));
    rows.known = true;
  } else if (!Flag(row, 2)) {
    rows.known = true;  // no default: NULL
  } else {
    rows.why_unknown = fmt::format(
        "column {} of {} has DEFAULT {} and no value kept for the rows it was added to: a "
        "volatile default gave each row its own value (or the default was set later, or the "
        "table was rewritten since), which cutover cannot tell",
        column, table.ToString(), Text(row, 3));
  }
  return rows;
}

Result<TableSchema> LoadTableSchema(Connection& connection, const TableId& table) {
  CUTOVER_ASSIGN_OR_RETURN(std::string relation, RelationOid(connection, table));
  TableSchema schema;
  schema.id = table;
  schema.charset = "utf8mb4";
  CUTOVER_RETURN_IF_ERROR(LoadColumns(connection, relation, &schema));
  CUTOVER_ASSIGN_OR_RETURN(std::vector<IndexFacts> indexes, LoadIndexes(connection, relation));
  ChooseKey(KeyCandidates(indexes, schema), &schema);
  for (IndexFacts& facts : indexes) schema.indexes.push_back(std::move(facts.index));
  return schema;
}

Result<std::vector<SourceTable>> LoadSelectedTables(Connection& connection, const Spec& spec) {
  CUTOVER_RETURN_IF_ERROR(CheckEncoding(connection));
  CUTOVER_ASSIGN_OR_RETURN(std::vector<ListedTable> listed, ListTables(connection));
  std::vector<SourceTable> selected;
  std::vector<TableId> without_key;
  for (const ListedTable& table : listed) {
    const TableRule* rule = SelectTable(spec, table.id.schema, table.id.name);
    if (rule == nullptr) continue;
    if (!table.logged) return UnloggedError(table.id);
    CUTOVER_ASSIGN_OR_RETURN(TableSchema schema, LoadTableSchema(connection, table.id));
    if (!schema.has_key()) without_key.push_back(table.id);
    selected.push_back(
        SourceTable{std::move(schema), {}, rule, table.estimate, table.whole_row_changes});
  }
  if (!without_key.empty()) return NoKeyError(without_key);
  for (SourceTable& table : selected) {
    CUTOVER_ASSIGN_OR_RETURN(table.narrowed, NarrowToColumns(table.schema, *table.rule));
  }
  return selected;
}

Result<std::vector<TableId>> SelectedTableIds(Connection& connection, const Spec& spec) {
  CUTOVER_ASSIGN_OR_RETURN(std::vector<ListedTable> listed, ListTables(connection));
  std::vector<TableId> selected;
  for (ListedTable& table : listed) {
    if (table.logged && SelectTable(spec, table.id.schema, table.id.name) != nullptr) {
      selected.push_back(std::move(table.id));
    }
  }
  return selected;
}

}  // namespace cutover::postgres
