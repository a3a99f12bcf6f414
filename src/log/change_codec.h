// ChangeCodec: the binary form of a Change in the change log. A row change refers to its
// table's column shape by a small number; the shape itself travels once, in a schema record,
// before the first change that uses it. Encoder and decoder each keep the numbering, so a reader
// must start at a point where the numbering starts too (the log starts one per segment).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/change.h"
#include "cutover/schema.h"
#include "cutover/status.h"

namespace cutover::log {

// TableSchema as JSON text and back (every field, exactly).
std::string SchemaToJson(const TableSchema& schema);
Result<TableSchema> SchemaFromJson(std::string_view json);

class ChangeEncoder {
 public:
  // Appends the record(s) for `change` to *out: a schema record first when the change's shape
  // is new to this encoder, then the change. A change without a schema is InvalidArgument.
  // Returns how many records were appended (1 or 2).
  Result<int> Encode(const Change& change, std::vector<std::string>* out);
  // Forgets every shape (the next change of each table sends its shape again).
  void Reset();

 private:
  std::map<const TableSchema*, uint32_t> ids_;
  // Keeps the shapes alive so a freed pointer is never mistaken for a new shape.
  std::vector<std::shared_ptr<const TableSchema>> kept_;
};

// The end of a source transaction: the frame's position is where reading the source resumes
// after it. Capture appends one after each transaction's changes, in the same append.
std::string CommitRecord();

// One change record with an explicit shape number (the Kafka log keeps its shapes in a control
// topic instead of in the record stream), and back: the shape number of a change record, and
// the change decoded with that shape. DataLoss on a malformed record.
std::string EncodeChangeRecord(const Change& change, uint32_t shape_id);
Result<uint32_t> ChangeRecordShape(std::string_view record);
// The source position of a change record, read without its shape.
Result<Position> ChangeRecordPosition(std::string_view record);
Status DecodeChangeRecord(std::string_view record, std::shared_ptr<const TableSchema> shape,
                          Change* change);

enum class RecordKind { kShape, kChange, kCommit };

// True for a shape / commit record (cheap: look at the first byte only).
bool IsShapeRecord(std::string_view record);
bool IsCommitRecord(std::string_view record);

class ChangeDecoder {
 public:
  // Decodes one record. A shape record is remembered (kShape); a change record fills *change
  // (kChange); kCommit marks a transaction's end. DataLoss on a malformed record or an unknown
  // shape.
  Result<RecordKind> Decode(std::string_view record, Change* change);
  void Reset();

 private:
  std::map<uint32_t, std::shared_ptr<const TableSchema>> shapes_;
};

}  // namespace cutover::log
