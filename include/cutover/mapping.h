// Mapping: how source rows become DynamoDB items (docs/mapping.md). A mapping file (YAML) names
// the DynamoDB tables with their key schema and, per source table, the target table, key
// templates ("CUSTOMER#{customer_id}"), attribute selection and renames, type rules, computed
// attributes, whether the table shares its items with other tables, and an optional Lua hook.
// The same Mapping serves the full load, the ordered apply and validation, so all three agree.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/status.h"

namespace cutover {

// A key attribute of a DynamoDB table or index: its name and scalar type "S", "N" or "B".
struct KeyAttribute {
  std::string name;
  std::string type = "S";
  bool operator==(const KeyAttribute& other) const = default;
};

struct DynamoIndex {
  std::string name;
  KeyAttribute partition_key;
  std::optional<KeyAttribute> sort_key;
  // Created with the table instead of after the full load (`build: with_table`); needed on
  // servers that cannot add an index later (dynalite), slower loads on AWS.
  bool with_table = false;
};

// A DynamoDB table the mapping writes; created from this key schema.
struct DynamoTable {
  std::string name;
  KeyAttribute partition_key;
  std::optional<KeyAttribute> sort_key;
  std::vector<DynamoIndex> indexes;  // global secondary indexes (built after the full load)
};

// One write a row or change turns into. Attribute values are DynamoDB JSON ({"S":"x"}).
struct ItemOp {
  enum class Kind {
    kPut,     // replace the item with `item` (key attributes included)
    kDelete,  // delete the item at `key`
    kUpdate,  // set `item`'s attributes and remove `remove` on the item at `key` (shared items)
  };
  Kind kind = Kind::kPut;
  std::string table;                // DynamoDB table
  nlohmann::json key;               // key attributes only
  nlohmann::json item;              // kPut: the whole item; kUpdate: attributes to set
  std::vector<std::string> remove;  // kUpdate: attributes to remove
  // kUpdate of a shared item: after the update, delete the item when none of `shared_attributes`
  // (every attribute the sharing tables may write) is left.
  bool delete_if_empty = false;
  std::vector<std::string> shared_attributes;
  // kUpdate of a partial row image (columns the change does not carry: PostgreSQL's unchanged
  // TOAST values; docs/design.md "Partial row images"): set only where the item exists (a
  // missing item is not made with attributes missing: the target holds a later state then).
  bool if_exists = false;
  // kUpdate of a partial image that moved to another item: before the update, the attributes
  // `copied` (what this row writes) are copied from the item at `copy_from` to the item at
  // `key`. When the old item is not there, or (for an item that is not shared) the new one is
  // there already, the target holds a later state of the source: nothing is written.
  std::optional<nlohmann::json> copy_from;
  std::vector<std::string> copied;
  bool shared = false;  // other source tables write the item too (the rule's `shared: true`)
  std::string source;  // "shop.orders id=7": the source row, for messages
};
std::string_view ItemOpKindName(ItemOp::Kind kind);  // "put", "delete", "update"

class Mapping {
 public:
  // Loads and validates a mapping file. InvalidArgument naming the file, the field path, the
  // value and what is allowed, e.g. "mapping.yaml: sources.shop.orders.pk: unknown column
  // 'custmer_id' in template 'CUSTOMER#{custmer_id}'; columns are checked when a table's
  // schema is known".
  static Result<Mapping> Load(const std::filesystem::path& file);
  static Result<Mapping> Parse(std::string_view yaml, const std::filesystem::path& origin);

  const std::vector<DynamoTable>& tables() const;
  const DynamoTable* FindTable(std::string_view name) const;
  // Whether the mapping has a rule for the source table.
  bool Maps(const TableId& source) const;
  // The DynamoDB table a source table writes (NotFound when unmapped).
  Result<std::string> TargetOf(const TableId& source) const;
  // Whether a Lua hook maps the source table: its rows may then become any number of items
  // with any keys (the ordered apply cannot route such a row by one item key).
  bool HasHook(const TableId& source) const;
  // Whether the source table's rule writes `column` into its items (include/exclude; every
  // column for a Lua hook, which sees the whole row). False for an unmapped table.
  bool Carries(const TableId& source, const std::string& column) const;

  // Checks a source table against its rule (template columns exist, key types fit).
  Status Check(const TableSchema& schema) const;
  // The writes that make the target hold `row` (full load and inserts). InvalidArgument naming
  // the source row when the row cannot be mapped. A partial row (columns absent, include/cutover/
  // change.h) becomes a kUpdate of its present attributes with `if_exists`; InvalidArgument when
  // a key template, or a computed attribute with some of its columns present, needs an absent
  // column, and for a table with a Lua hook (which sees whole rows).
  Result<std::vector<ItemOp>> MapRow(const TableSchema& schema, const Row& row) const;
  // The key of the item `row` writes (its key attributes only: nothing else is mapped), for a
  // table without a Lua hook (FailedPrecondition for one: a hook decides its items' keys).
  Result<nlohmann::json> ItemKeyOf(const TableSchema& schema, const Row& row) const;
  // The writes that apply one change, in order (an update that moves the item: delete, then put;
  // with a partial after image: the new item's update copying from the old one, then the old
  // one's delete).
  Result<std::vector<ItemOp>> MapChange(const Change& change) const;

  // Internal representation (mapping_rules.h).
  struct Impl;

 private:
  explicit Mapping(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// The sample-row file of `cutover mapping test` (docs/mapping.md):
//   {"table": "shop.orders", "columns": {"id": "bigint unsigned", "total": "decimal(10,2)"},
//    "key": ["id"], "rows": [{"id": 1, "total": "12.50"}, ...]}
struct SampleRows {
  TableSchema schema;
  std::vector<Row> rows;
};
// InvalidArgument naming the file and the JSON path on malformed input.
Result<SampleRows> LoadSampleRows(const std::filesystem::path& file);
Result<SampleRows> ParseSampleRows(std::string_view json, const std::string& origin);

// The canonical form of a DynamoDB number as the server stores it: no exponent, no leading
// zeros, no trailing fraction zeros ("1.50" -> "1.5", "2.5e-3" -> "0.0025", "-0.0" -> "0").
// DynamoDB keeps a number's value, not its scale; compare through this. Text with an exponent
// that is not an integer or beyond +-1000 ("1e", "1e99999") is no number DynamoDB holds: it
// comes back unchanged.
std::string CanonicalNumber(std::string_view text);
// `item` with every N/NS canonical and every set sorted, so items compare with ==.
nlohmann::json CanonicalItem(const nlohmann::json& item);

// DynamoDB JSON of one op for display: {"put": {"table": ..., "item": ...}}.
nlohmann::json ItemOpToJson(const ItemOp& op);

}  // namespace cutover
