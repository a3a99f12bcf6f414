// RowsEvent: the WRITE/UPDATE/DELETE_ROWS events, v1 (MariaDB, MySQL 5.x: types 23-25) and v2
// (MySQL 8: types 30-32, with the extra-data header): the header, the columns-present bitmaps,
// and the decoding of each row image (null bitmap, then the values of the present columns).
#pragma once

#include <cstdint>
#include <string_view>

#include "cutover/change.h"
#include "cutover/status.h"

#include "source/binlog/byte_reader.h"
#include "source/binlog/table_map.h"

namespace cutover::binlog {

// Rows event flags.
inline constexpr uint16_t kRowsStatementEnd = 0x0001;

struct RowsEvent {
  uint64_t table_id = 0;
  uint16_t flags = 0;
  ChangeOp op = ChangeOp::kInsert;
  uint64_t column_count = 0;
  std::string_view present;        // columns in the (before, or only) image
  std::string_view present_after;  // UPDATE: columns in the after image
  std::string_view rows;           // the row images, back to back
};

// True for the WRITE/UPDATE/DELETE_ROWS type codes of v1 and v2.
bool IsRowsEvent(uint8_t type);

// Parses the header and bitmaps of a rows event payload (after the common header, without the
// checksum). DataLoss when cut short.
Result<RowsEvent> ParseRowsEvent(std::string_view payload, uint8_t type,
                                 uint8_t post_header_length);

// Decodes one row image from *in into *row (resized to the table's columns; values of columns
// absent from the image are NULL and marked absent in row->present). `present` is the image's
// columns-present bitmap. DataLoss when the image is cut short or the event's column count
// disagrees with the table map.
Status DecodeRowImage(const TableMap& map, std::string_view present, ByteReader* in, Row* row);

}  // namespace cutover::binlog
