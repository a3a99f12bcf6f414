// RowsEvent: rows event headers and row images.
#include "source/binlog/rows_event.h"

#include "source/binlog/event_types.h"
#include "source/binlog/value_decoder.h"

namespace cutover::binlog {
namespace {

Status Truncated(std::string_view what) {
  return Status::DataLoss("rows event " + std::string(what) + " truncated");
}

bool IsV2(uint8_t type) {
  return type >= static_cast<uint8_t>(EventType::kWriteRowsV2) &&
         type <= static_cast<uint8_t>(EventType::kDeleteRowsV2);
}

ChangeOp OpOf(uint8_t type) {
  switch (static_cast<EventType>(type)) {
    case EventType::kUpdateRowsV1:
    case EventType::kUpdateRowsV2: return ChangeOp::kUpdate;
    case EventType::kDeleteRowsV1:
    case EventType::kDeleteRowsV2: return ChangeOp::kDelete;
    default: return ChangeOp::kInsert;
  }
}

}  // namespace

bool IsRowsEvent(uint8_t type) {
  return (type >= static_cast<uint8_t>(EventType::kWriteRowsV1) &&
          type <= static_cast<uint8_t>(EventType::kDeleteRowsV1)) ||
         IsV2(type);
}

Result<RowsEvent> ParseRowsEvent(std::string_view payload, uint8_t type,
                                 uint8_t post_header_length) {
  ByteReader in(payload);
  RowsEvent event;
  event.op = OpOf(type);
  size_t id_bytes = post_header_length == 6 ? 4 : 6;
  if (!in.LittleEndian(id_bytes, &event.table_id) || !in.Le(&event.flags)) {
    return Truncated("post-header");
  }
  size_t read = id_bytes + 2;
  if (IsV2(type)) {
    uint16_t extra_len = 0;  // counts its own two bytes
    if (!in.Le(&extra_len) || extra_len < 2 || !in.Skip(extra_len - 2u)) {
      return Truncated("extra data");
    }
    read += 2;
  }
  if (post_header_length > read && !in.Skip(post_header_length - read)) {
    return Truncated("post-header");
  }
  if (!in.Packed(&event.column_count)) return Truncated("column count");
  size_t bitmap_bytes = (event.column_count + 7) / 8;
  if (!in.Bytes(bitmap_bytes, &event.present)) return Truncated("columns-present bitmap");
  if (event.op == ChangeOp::kUpdate && !in.Bytes(bitmap_bytes, &event.present_after)) {
    return Truncated("after-image columns bitmap");
  }
  event.rows = in.rest();
  return event;
}

Status DecodeRowImage(const TableMap& map, std::string_view present, ByteReader* in, Row* row) {
  const size_t columns = map.columns.size();
  if (present.size() != (columns + 7) / 8) {
    return Status::DataLoss("rows event has " + std::to_string(present.size() * 8) +
                            "-bit column bitmaps for table " + map.schema + "." + map.table +
                            " of " + std::to_string(columns) + " columns");
  }
  size_t present_count = 0;
  for (size_t column_idx = 0; column_idx < columns; ++column_idx) {
    present_count += BitmapBit(present, column_idx) ? 1 : 0;
  }
  std::string_view nulls;
  if (!in->Bytes((present_count + 7) / 8, &nulls)) return Truncated("row null bitmap");
  row->values.resize(columns);
  if (present_count == columns) {
    row->present.clear();
  } else {
    row->present.assign(columns, false);
  }
  size_t image_idx = 0;
  for (size_t column_idx = 0; column_idx < columns; ++column_idx) {
    Value& value = row->values[column_idx];
    if (present_count != columns) {
      if (!BitmapBit(present, column_idx)) {
        value.SetNull();
        continue;
      }
      row->present[column_idx] = true;
    }
    if (BitmapBit(nulls, image_idx++)) {
      value.SetNull();
      continue;
    }
    Status status = DecodeValue(map.columns[column_idx], in, &value);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

}  // namespace cutover::binlog
