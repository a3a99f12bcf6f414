#include "sink/common/final_images.h"

#include <map>
#include <unordered_map>
#include <utility>

namespace cutover::sink {

Result<std::vector<TableImages>> FinalImages(
    std::span<const LoggedChange> changes, const KeyText& key_text,
    const std::function<std::shared_ptr<const TableSchema>(const TableId&)>& schema_of) {
  // Per table: each key's final image, keys in first-seen order. Keyed by the key's text, not
  // by schema object: grouping by schema first would let an older image of a key (in a group
  // that appeared first) be written after its newer one.
  struct TableKeys {
    TableId table;
    std::vector<std::string> order;
    std::unordered_map<std::string, FinalImage> keys;
  };
  std::vector<TableKeys> tables;
  std::map<TableId, size_t> table_index;
  for (const LoggedChange& logged : changes) {
    const Change& change = logged.change;
    if (IsTableChange(change.op)) continue;
    std::shared_ptr<const TableSchema> schema = change.schema;
    if (schema == nullptr) schema = schema_of(change.table);
    if (schema == nullptr) {
      return Status::Internal("a change of " + change.table.ToString() + " has no schema");
    }
    auto [found, added] = table_index.try_emplace(change.table, tables.size());
    if (added) tables.push_back(TableKeys{change.table, {}, {}});
    TableKeys& table = tables[found->second];
    auto set = [&](const Row& image, bool deleted) -> Status {
      CUTOVER_ASSIGN_OR_RETURN(std::string text, key_text(*schema, image));
      auto [it, inserted] = table.keys.try_emplace(std::move(text));
      if (inserted) table.order.push_back(it->first);
      it->second = FinalImage{schema, &image, deleted};
      return Status::Ok();
    };
    // A key-changing update leaves the old key deleted and the new one with the after image.
    if (change.before && (change.op == ChangeOp::kDelete || change.op == ChangeOp::kUpdate)) {
      CUTOVER_RETURN_IF_ERROR(set(*change.before, /*deleted=*/true));
    }
    if (change.after) CUTOVER_RETURN_IF_ERROR(set(*change.after, /*deleted=*/false));
  }
  std::vector<TableImages> result;
  result.reserve(tables.size());
  for (TableKeys& table : tables) {
    TableImages& images = result.emplace_back();
    images.table = table.table;
    std::map<const TableSchema*, size_t> group_index;  // the schemas are held by the groups
    for (std::string& key : table.order) {
      const FinalImage& image = table.keys.at(key);
      auto [found, added] = group_index.try_emplace(image.schema.get(), images.groups.size());
      if (added) images.groups.push_back(SchemaGroup{image.schema, {}, {}, {}});
      SchemaGroup& group = images.groups[found->second];
      if (image.deleted) {
        group.deleted.push_back(image.image);
        group.deleted_keys.push_back(std::move(key));  // `order` is not read again
      } else {
        group.rows.push_back(image.image);
      }
    }
  }
  return result;
}

}  // namespace cutover::sink
