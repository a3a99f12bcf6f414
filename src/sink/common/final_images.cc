#include "sink/common/final_images.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <utility>

namespace cutover::sink {
namespace {

// Whether images of `a` and `b` hold the same columns at the same positions (a merge takes
// values by position).
bool SameColumns(const TableSchema& a, const TableSchema& b) {
  if (&a == &b) return true;
  if (a.columns.size() != b.columns.size() || a.key != b.key) return false;
  for (size_t column_idx = 0; column_idx < a.columns.size(); ++column_idx) {
    if (a.columns[column_idx].name != b.columns[column_idx].name) return false;
  }
  return true;
}

// `base` with every value `top` has: what the row is after `top` when it was `base`.
Row Overlay(const Row& base, const Row& top) {
  Row merged = base;
  for (size_t column_idx = 0; column_idx < top.values.size(); ++column_idx) {
    if (!top.IsPresent(column_idx)) continue;
    merged.values[column_idx] = top.values[column_idx];
    if (!merged.present.empty()) merged.present[column_idx] = true;
  }
  if (!IsPartial(merged)) merged.present.clear();
  return merged;
}

// Reduces a batch stretch by stretch: per table, each key's final image; Cut() ends a stretch.
class Reducer {
 public:
  Reducer(const KeyText& key_text, BatchImages* out) : key_text_(key_text), out_(out) {}

  Status Add(const Change& change, const std::shared_ptr<const TableSchema>& schema) {
    if (change.op == ChangeOp::kDelete) {
      if (!change.before) return Status::Ok();
      CUTOVER_ASSIGN_OR_RETURN(std::string key, key_text_(*schema, *change.before));
      Set(change.table, std::move(key), FinalImage{schema, &*change.before, true});
      return Status::Ok();
    }
    if (!change.after) return Status::Ok();
    CUTOVER_ASSIGN_OR_RETURN(std::string key, key_text_(*schema, *change.after));
    if (change.op == ChangeOp::kUpdate && change.before) {
      CUTOVER_ASSIGN_OR_RETURN(std::string old_key, key_text_(*schema, *change.before));
      if (old_key != key) return Move(change, schema, std::move(old_key), std::move(key));
    }
    Write(change.table, std::move(key), schema, *change.after);
    return Status::Ok();
  }

  // Ends the current stretch: its tables go to the result, in the order they first appeared.
  void Cut() {
    for (TableKeys& table : tables_) {
      TableImages& images = out_->tables.emplace_back();
      images.table = table.table;
      std::map<const TableSchema*, size_t> group_index;  // the schemas are held by the groups
      for (std::string& key : table.order) {
        const FinalImage& image = table.keys.at(key);
        auto [found, added] = group_index.try_emplace(image.schema.get(), images.groups.size());
        if (added) images.groups.push_back(SchemaGroup{image.schema, {}, {}, {}, {}, {}});
        SchemaGroup& group = images.groups[found->second];
        if (image.deleted) {
          group.deleted.push_back(image.image);
          group.deleted_keys.push_back(std::move(key));  // `order` is not read again
        } else if (IsPartial(*image.image)) {
          group.partial.push_back(image.image);
        } else {
          group.rows.push_back(image.image);
        }
      }
    }
    tables_.clear();
    table_index_.clear();
  }

 private:
  // Per table: each key's final image, keys in first-seen order. Keyed by the key's text, not
  // by schema object: grouping by schema first would let an older image of a key (in a group
  // that appeared first) be written after its newer one.
  struct TableKeys {
    TableId table;
    std::vector<std::string> order;
    std::unordered_map<std::string, FinalImage> keys;
  };

  TableKeys& Table(const TableId& id) {
    auto [found, added] = table_index_.try_emplace(id, tables_.size());
    if (added) tables_.push_back(TableKeys{id, {}, {}});
    return tables_[found->second];
  }

  const FinalImage* Find(const TableId& id, const std::string& key) {
    TableKeys& table = Table(id);
    auto found = table.keys.find(key);
    return found == table.keys.end() ? nullptr : &found->second;
  }

  void Set(const TableId& id, std::string key, FinalImage image) {
    TableKeys& table = Table(id);
    auto [it, inserted] = table.keys.try_emplace(std::move(key));
    if (inserted) table.order.push_back(it->first);
    it->second = std::move(image);
  }

  // The earlier image of `key` merged under `image` when the merge is exact: the key's image in
  // this stretch is there, not deleted, and has the same columns. Null otherwise.
  const Row* MergedWithEarlier(const TableId& id, const std::string& key, const TableSchema& schema,
                               const Row& image) {
    const FinalImage* earlier = Find(id, key);
    if (earlier == nullptr || earlier->deleted || !SameColumns(*earlier->schema, schema)) {
      return nullptr;
    }
    return &out_->merged.emplace_back(Overlay(*earlier->image, image));
  }

  // An image of `key` (insert or update): a full one replaces; a partial one merges with the
  // key's earlier image in this stretch, or, where that is not exact (after a delete of the key,
  // across a change of the table's columns), starts a new stretch.
  void Write(const TableId& id, std::string key, const std::shared_ptr<const TableSchema>& schema,
             const Row& image) {
    if (!IsPartial(image) || Find(id, key) == nullptr) {
      Set(id, std::move(key), FinalImage{schema, &image, false});
      return;
    }
    if (const Row* merged = MergedWithEarlier(id, key, *schema, image)) {
      Set(id, std::move(key), FinalImage{schema, merged, false});
      return;
    }
    Cut();
    Set(id, std::move(key), FinalImage{schema, &image, false});
  }

  // A key-changing update: the old key deleted and the new one written. A partial after image
  // takes its absent values from the old key's earlier image; without one (or with a partial
  // one) the move is written on its own, between the stretches before and after it.
  Status Move(const Change& change, const std::shared_ptr<const TableSchema>& schema,
              std::string old_key, std::string key) {
    const Row* after = &*change.after;
    if (IsPartial(*after)) {
      const FinalImage* earlier = Find(change.table, old_key);
      const bool full_before =
          earlier != nullptr && !earlier->deleted && !IsPartial(*earlier->image);
      after = full_before ? MergedWithEarlier(change.table, old_key, *schema, *after) : nullptr;
      if (after == nullptr) {
        Cut();
        TableImages& images = out_->tables.emplace_back();
        images.table = change.table;
        images.groups.push_back(
            SchemaGroup{schema, {}, {}, {}, {}, {PartialMove{&*change.before, &*change.after}}});
        return Status::Ok();
      }
    }
    Set(change.table, std::move(old_key), FinalImage{schema, &*change.before, true});
    Set(change.table, std::move(key), FinalImage{schema, after, false});
    return Status::Ok();
  }

  const KeyText& key_text_;
  BatchImages* const out_;
  std::vector<TableKeys> tables_;  // the current stretch
  std::map<TableId, size_t> table_index_;
};

}  // namespace

std::string NothingMovedWarning(int lane, const TableId& table) {
  return "apply lane " + std::to_string(lane) + ": a primary-key change of " + table.ToString() +
         " that does not carry every value found neither its old nor its new row on the "
         "target, and wrote nothing (right when the target holds a later state; after a replay "
         "over a later state the row may be missing: cutover verify reports it, --repair mends "
         "it)";
}

bool IsPartial(const Row& row) {
  return std::find(row.present.begin(), row.present.end(), false) != row.present.end();
}

Result<BatchImages> FinalImages(
    std::span<const LoggedChange> changes, const KeyText& key_text,
    const std::function<std::shared_ptr<const TableSchema>(const TableId&)>& schema_of) {
  BatchImages result;
  Reducer reducer(key_text, &result);
  for (const LoggedChange& logged : changes) {
    const Change& change = logged.change;
    if (IsTableChange(change.op)) continue;
    std::shared_ptr<const TableSchema> schema = change.schema;
    if (schema == nullptr) schema = schema_of(change.table);
    if (schema == nullptr) {
      return Status::Internal("a change of " + change.table.ToString() + " has no schema");
    }
    CUTOVER_RETURN_IF_ERROR(reducer.Add(change, schema));
  }
  reducer.Cut();
  return result;
}

}  // namespace cutover::sink
