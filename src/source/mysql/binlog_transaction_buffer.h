// TransactionBuffer: holds one binlog transaction's changes and statements until its commit event
// arrives, then hands the whole transaction to the consumer's sink; a transaction cut off by a
// lost connection or a stop is dropped, so the consumer sees each committed transaction once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/change.h"
#include "cutover/position.h"
#include "cutover/schema.h"
#include "cutover/status.h"

#include "source/binlog/decoder.h"

namespace cutover::mysql {

// What the consumer has accepted so far; the stream keeps it across connections.
struct DeliveredState {
  // After the last transaction the consumer accepted: where the next connection resumes.
  Position committed;
  // The last column shape delivered per table, so a fresh decoder still reports a schema change
  // that the previous connection's decoder would have reported.
  std::map<TableId, std::shared_ptr<const TableSchema>> shapes;
};

// Sits between the decoder and the consumer (one per connection). Memory: the row images of the
// largest transaction read (the buffer keeps their capacity for reuse, up to kKeepChanges).
class TransactionBuffer : public binlog::EventSink {
 public:
  // `downstream` receives whole transactions; after its OnCommit returns OK, state->committed
  // becomes the commit's position. Neither is owned.
  TransactionBuffer(binlog::EventSink* downstream, DeliveredState* state);

  Status OnBegin(const binlog::TransactionBegin& begin) override;
  Status OnChange(const Change& change) override;
  Status OnCommit(const binlog::TransactionCommit& commit) override;
  Status OnStatement(const binlog::Statement& statement) override;
  Status OnRotate(const BinlogFilePosition& next) override;
  Status OnHeartbeat(const binlog::HeartbeatEvent& heartbeat) override;

  // Decodes one whole event into this buffer. On success and outside a transaction,
  // state->committed follows the decoder's committed position (so ROTATE and GTID_LIST move it
  // too).
  Status Decode(binlog::BinlogDecoder* decoder, std::string_view event);

  // Drops the open transaction, if any (it will be read again from its start).
  void Discard();
  bool open() const { return begin_.has_value(); }
  size_t buffered_changes() const { return change_count_; }
  // True once the downstream sink returned an error: that error is the consumer's, not the
  // source's, and must not be retried by reconnecting.
  bool downstream_failed() const { return downstream_failed_; }
  // Transactions handed downstream whole.
  uint64_t delivered() const { return delivered_; }

  // Changes kept allocated between transactions for reuse.
  static constexpr size_t kKeepChanges = 4096;

 private:
  struct OwnedStatement {
    std::string schema, query;
    Position position;
    uint32_t timestamp = 0;
  };
  struct Item {
    bool is_statement = false;
    size_t index = 0;  // into changes_ or statements_
  };

  Status Forward(Status status);
  Status Deliver(const Change& change);
  Status Replay(const binlog::TransactionCommit& commit);
  void Clear();

  binlog::EventSink* downstream_;
  DeliveredState* state_;
  const TableSchema* last_shape_ = nullptr;  // the shape last recorded in state_->shapes
  std::optional<binlog::TransactionBegin> begin_;
  std::vector<Change> changes_;  // [0, change_count_) belong to the open transaction
  size_t change_count_ = 0;
  std::vector<OwnedStatement> statements_;
  std::vector<Item> order_;
  bool downstream_failed_ = false;
  uint64_t delivered_ = 0;
};

}  // namespace cutover::mysql
